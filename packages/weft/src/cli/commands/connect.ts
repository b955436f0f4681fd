import { spawn } from 'node:child_process';
import { Command } from 'commander';
import { systemClock } from '../../core/clock.ts';
import { runAuthorizationCodeFlow } from '../../connectors/auth/connect-flow.ts';
import { createOAuth2Client, tokenFetchThrough } from '../../connectors/auth/oauth2.ts';
import { createVaultTokenStore } from '../../connectors/auth/vault-token-store.ts';
import { addConfigOption, addSettingOptions, CliError, loadCliConfig, parsePositiveInteger, type CliContext, type ConfigFlags } from '../context.ts';
import { createOutput } from '../output.ts';
import { withOutbound } from './connections.ts';
import { withConnectionEndpoints } from '../../connectors/connection-auth-factory.ts';

interface ConnectFlags extends ConfigFlags {
  port?: number;
  open: boolean;
  timeout: number;
}

/** `weft connect <connection>`: OAuth 2 authorization code with PKCE, caught on localhost. */
export function connectCommand(context: CliContext): Command {
  const command = new Command('connect')
    .description('sign a connection in with OAuth 2 (authorization code + PKCE): opens the consent page and catches the callback on 127.0.0.1')
    .argument('<connection>')
    .option('--port <n>', 'callback port, for vendors that only accept a registered redirect URI', parsePositiveInteger)
    .option('--no-open', 'print the consent URL instead of opening a browser')
    .option('--timeout <seconds>', 'how long to wait for the sign-in', parsePositiveInteger, 300);
  addConfigOption(command);
  addSettingOptions(command, ['db']);
  return command.action(async (connectionId: string, flags: ConnectFlags) => {
    const config = loadCliConfig(context, flags);
    const out = createOutput(context);
    await withOutbound(config, async ({ outbound }) => {
      const { connection, connector } = await outbound.connections.resolve(connectionId).catch((error: Error) => {
        throw new CliError(error.message);
      });
      const scheme = connector.auth.find((s) => s.kind === connection.config.authScheme) ?? connector.auth[0];
      if (scheme?.kind !== 'oauth2-authorization-code') {
        throw new CliError(`connection ${connectionId} uses ${scheme?.kind ?? 'no auth'}, not OAuth 2 authorization code: nothing to sign in`);
      }
      const vault = outbound.vault.vault;
      const client = createOAuth2Client({
        connectionId,
        scheme: withConnectionEndpoints(scheme, connector, connection),
        ...(scheme.clientAuthentication === undefined ? {} : { clientAuthentication: scheme.clientAuthentication }),
        credentials: { get: (name) => vault.get(connectionId, name) },
        tokens: createVaultTokenStore(vault),
        clock: systemClock,
        fetch: tokenFetchThrough(outbound.dispatcher),
        ...(typeof connection.config.issuer === 'string' ? { issuer: connection.config.issuer } : {}),
      });
      const summary = await runAuthorizationCodeFlow({
        client,
        ...(flags.port === undefined ? {} : { port: flags.port }),
        timeoutMs: flags.timeout * 1000,
        openUrl: (url) => {
          out.note(`sign in to ${connector.name} here:\n  ${url.toString()}`);
          if (flags.open) openInBrowser(url.toString());
        },
      });
      out.line(
        `connection ${summary.connectionId} is signed in${summary.scope ? ` (scope: ${summary.scope})` : ''}${summary.hasRefreshToken ? '; Weft will refresh its token before it expires' : ''}`,
      );
    });
  });
}

function openInBrowser(url: string): void {
  const command = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'cmd' : 'xdg-open';
  const args = process.platform === 'win32' ? ['/c', 'start', '', url] : [url];
  // No browser here (a server, CI): the printed URL is enough.
  spawn(command, args, { stdio: 'ignore', detached: true }).on('error', () => {}).unref();
}
