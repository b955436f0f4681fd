import type { AuthScheme } from '@weft/sdk';
import type { Clock } from '../../core/clock.ts';
import { applyAuth } from './apply-auth.ts';
import type { AuthRequest, CredentialSource } from './apply-auth.ts';
import type { OAuth2Client } from './oauth2.ts';
import type { TokenLoginClient } from './token-login.ts';

export interface ConnectionAuthorizer {
  authorize(request: AuthRequest): Promise<void>;
  /**
   * After a 401 or a `detectAuthFailure` hit: forgets the access token last put on a request, so
   * the next `authorize` gets a new one. True when that can help (OAuth 2 and token login);
   * static credentials would just be refused again.
   */
  refresh(): Promise<boolean>;
}

/**
 * The engine's per-connection auth: `applyAuth` with the clock and, for OAuth 2 schemes, the
 * connection's one `OAuth2Client` (one per connection per process, or single-flight is per request);
 * for a token-login scheme, its one `TokenLoginClient`, likewise.
 */
export function createConnectionAuth(options: {
  scheme: AuthScheme;
  credentials: CredentialSource;
  clock: Clock;
  oauth2?: OAuth2Client;
  tokenLogin?: TokenLoginClient;
}): ConnectionAuthorizer {
  const { scheme, credentials, clock } = options;
  // Both clients hand out tokens and forget a rejected one; only one applies to a scheme.
  const oauth2: Pick<OAuth2Client, 'accessToken' | 'invalidate'> | undefined = options.oauth2 ?? options.tokenLogin;
  let lastToken: string | undefined;
  const tracked =
    oauth2 === undefined
      ? undefined
      : {
          async accessToken() {
            lastToken = await oauth2.accessToken();
            return lastToken;
          },
        };
  return {
    authorize: (request) => applyAuth(request, scheme, credentials, clock.now(), tracked),
    async refresh() {
      if (oauth2 === undefined || lastToken === undefined) return false;
      oauth2.invalidate(lastToken);
      return true;
    },
  };
}
