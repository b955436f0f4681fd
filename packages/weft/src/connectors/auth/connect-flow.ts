/**
 * The mechanics of `weft connect <connection>`: the OAuth 2 authorization code flow for a
 * command-line tool (RFC 8252), with the redirect caught by a one-shot HTTP server on loopback.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import * as oauth from 'oauth4webapi';
import { AuthError } from '@weft/sdk';
import { oauthErrorCode } from './oauth2.ts';
import type { OAuth2Client } from './oauth2.ts';

export interface AuthorizationCodeFlowOptions {
  client: Pick<OAuth2Client, 'connectionId' | 'issuer' | 'authorizationUrl' | 'exchangeCode'>;
  /** Shows the consent page to the user: opens a browser, or prints the URL. */
  openUrl(url: URL): void | Promise<void>;
  /** 0 (default) picks a free port; set one when the vendor only accepts a registered redirect URI. */
  port?: number;
  /** Default "/callback". */
  callbackPath?: string;
  /** How long the user has to finish signing in. */
  timeoutMs: number;
}

/** What the CLI may print: no token values. */
export interface ConnectedSummary {
  connectionId: string;
  redirectUri: string;
  scope?: string;
  expiresAt?: number;
  hasRefreshToken: boolean;
}

export async function runAuthorizationCodeFlow(options: AuthorizationCodeFlowOptions): Promise<ConnectedSummary> {
  const { client } = options;
  const { connectionId } = client;
  const callbackPath = options.callbackPath ?? '/callback';
  // Fresh per flow; never logged. The verifier never leaves this process until the code exchange.
  const state = oauth.generateRandomState();
  const codeVerifier = oauth.generateRandomCodeVerifier();

  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // Loopback only: the redirect carries a code that, with the verifier, is worth a token.
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const redirectUri = `http://127.0.0.1:${port}${callbackPath}`;

  let timer: NodeJS.Timeout | undefined;
  let settled = false;
  try {
    return await new Promise<ConnectedSummary>((resolve, reject) => {
      const finish = (outcome: () => void): void => {
        if (settled) return;
        settled = true;
        outcome();
      };
      timer = setTimeout(() => {
        finish(() =>
          reject(
            new AuthError('ERR_OAUTH_CONNECT_TIMEOUT', {
              message: `Sign-in for connection ${connectionId} was not completed within ${Math.ceil(options.timeoutMs / 1000)} s; run \`weft connect ${connectionId}\` again.`,
            }),
          ),
        );
      }, options.timeoutMs);

      server.on('request', (request: IncomingMessage, response: ServerResponse) => {
        const url = new URL(request.url ?? '/', redirectUri);
        if (request.method !== 'GET' || url.pathname !== callbackPath) {
          page(response, 404, 'Not found', 'This address only receives the sign-in redirect for Weft.');
          return;
        }
        if (settled) {
          page(response, 410, 'Already finished', 'This sign-in has already finished; you can close this tab.');
          return;
        }
        // Anyone on this machine can reach the port: a callback without our state is not the
        // user's sign-in (a stale tab, or a forged request), so it is refused without ending the flow.
        const returnedState = url.searchParams.get('state');
        if (returnedState === null || !sameText(returnedState, state)) {
          page(response, 400, 'Unexpected sign-in', 'This is not the sign-in Weft is waiting for. Use the link Weft opened most recently.');
          return;
        }
        const iss = url.searchParams.get('iss');
        if (iss !== null && client.issuer !== undefined && iss !== client.issuer) {
          page(response, 400, 'Unexpected sign-in', 'The sign-in came from a different authorization server than expected.');
          finish(() => reject(new AuthError('ERR_OAUTH_ISSUER_MISMATCH', { message: `The sign-in for connection ${connectionId} came from an unexpected authorization server.` })));
          return;
        }
        const error = url.searchParams.get('error');
        if (error !== null) {
          const sentence = error === 'access_denied' ? 'access was denied at the consent screen' : `the authorization server answered "${oauthErrorCode(error)}"`;
          page(response, 400, 'Not connected', `Weft was not connected: ${sentence}. You can close this tab.`);
          finish(() => reject(new AuthError('ERR_OAUTH_CONSENT_FAILED', { message: `Connection ${connectionId} was not authorized: ${sentence}.` })));
          return;
        }
        const code = url.searchParams.get('code');
        if (code === null || code === '') {
          page(response, 400, 'Not connected', 'The sign-in redirect carried no authorization code. You can close this tab.');
          finish(() => reject(new AuthError('ERR_OAUTH_NO_CODE', { message: `The sign-in for connection ${connectionId} returned no authorization code.` })));
          return;
        }
        // Claimed before the exchange so a second callback cannot start a second one.
        settled = true;
        client.exchangeCode({ code, redirectUri, codeVerifier }).then(
          (tokens) => {
            page(response, 200, 'Connected', `Weft is connected to ${connectionId}. You can close this tab.`);
            resolve({
              connectionId,
              redirectUri,
              hasRefreshToken: tokens.refreshToken !== undefined,
              ...(tokens.scope === undefined ? {} : { scope: tokens.scope }),
              ...(tokens.expiresAt === undefined ? {} : { expiresAt: tokens.expiresAt }),
            });
          },
          (failure: unknown) => {
            const sentence = failure instanceof Error ? failure.message : 'the code exchange failed';
            page(response, 502, 'Not connected', `Weft could not finish connecting. ${sentence}`);
            reject(failure);
          },
        );
      });

      Promise.resolve()
        .then(() => client.authorizationUrl({ redirectUri, state, codeVerifier }))
        .then((consentUrl) => options.openUrl(consentUrl))
        .catch((failure: unknown) => finish(() => reject(failure)));
    });
  } finally {
    clearTimeout(timer);
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }
}

function page(response: ServerResponse, status: number, title: string, sentence: string): void {
  const body = `<!doctype html><html lang="en"><meta charset="utf-8"><title>Weft: ${escapeHtml(title)}</title><body style="font-family:system-ui,sans-serif;margin:3rem"><h1>${escapeHtml(title)}</h1><p>${escapeHtml(sentence)}</p></body></html>`;
  response.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    // The URL holds the authorization code: keep it out of caches and Referer headers.
    'cache-control': 'no-store',
    'referrer-policy': 'no-referrer',
    connection: 'close',
  });
  response.end(body);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
