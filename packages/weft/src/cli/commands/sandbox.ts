import { builtInSandboxes } from '@weft/connectors';
import { Command, InvalidArgumentError } from 'commander';
import { WEBHOOK_SECRET } from '../../connectors/connector-webhooks.ts';
import { CliError, type CliContext } from '../context.ts';
import { serveUntilSignal, type SignalSource } from '../serve.ts';

const SHUTDOWN_TIMEOUT_MS = 5_000;

export function sandboxCommand(context: CliContext, options: { signals?: SignalSource } = {}): Command {
  const vendors = Object.keys(builtInSandboxes).sort();
  return new Command('sandbox')
    .description(`serve a stateful fake of a vendor's API, with fault injection, until SIGTERM/SIGINT (vendors: ${vendors.join(', ')})`)
    .argument('<vendor>', 'the connector whose API to fake')
    .option('-p, --port <port>', 'port to listen on (0: a free one)', parsePort, 0)
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .action(async (vendor: string, flags: { port: number; host: string }) => {
      const start = builtInSandboxes[vendor];
      if (start === undefined) throw new CliError(`no sandbox for "${vendor}"; there are: ${vendors.join(', ')}`);
      const code = await serveUntilSignal(
        context,
        async () => {
          const sandbox = await start({ port: flags.port, host: flags.host });
          const out = (line: string) => context.stdout.write(line + '\n');
          out(`sandbox ${vendor} listening on ${sandbox.url}`);
          const settings = Object.entries(sandbox.connectionConfig).map(([name, value]) => `${name}=${value}`);
          out(`  connection config: ${settings.join(' ')}`);
          for (const [name, value] of Object.entries(sandbox.credentials)) out(`  credential ${name}: ${value}`);
          if (sandbox.webhookSecret !== undefined) out(`  webhook secret: ${sandbox.webhookSecret}`);
          const secrets = [...Object.keys(sandbox.credentials), ...(sandbox.webhookSecret === undefined ? [] : [WEBHOOK_SECRET])];
          out(
            `  connect:  weft connections add ${vendor} --connector ${vendor} ${settings.map((setting) => `--set ${setting}`).join(' ')} ${secrets
              .map((name) => `--secret ${name}=env:${envName(vendor, name)}`)
              .join(' ')}`,
          );
          out(`  faults:   curl -X POST ${sandbox.url}/_sandbox/faults -H 'content-type: application/json' -d '{"rateLimit":{"count":3,"retryAfterSeconds":5}}'`);
          out(`  webhooks: curl -X POST ${sandbox.url}/_sandbox/webhooks/deliver -H 'content-type: application/json' -d '{"url":"http://127.0.0.1:8787/hooks/…","type":"${sandbox.eventTypes[0] ?? '…'}","duplicate":true}'`);
          out(`  requests: curl ${sandbox.url}/_sandbox/requests`);
          return sandbox;
        },
        { shutdownTimeoutMs: SHUTDOWN_TIMEOUT_MS, ...(options.signals === undefined ? {} : { signals: options.signals }) },
      );
      context.exit(code);
    });
}

/** shopify + apiKey → SHOPIFY_API_KEY: the variable the printed `connections add` reads a secret from. */
function envName(vendor: string, secret: string): string {
  return `${vendor}_${secret.replace(/([a-z0-9])([A-Z])/g, '$1_$2')}`.toUpperCase();
}

function parsePort(text: string): number {
  if (!/^[0-9]+$/.test(text) || Number(text) > 65_535) throw new InvalidArgumentError('expected a port number, 0 to 65535');
  return Number(text);
}
