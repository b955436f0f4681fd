import type { AuthScheme } from '@weft/sdk';
import type { Clock } from '../../core/clock.ts';
import { applyAuth } from './apply-auth.ts';
import type { AuthRequest, CredentialSource } from './apply-auth.ts';
import type { OAuth2Client } from './oauth2.ts';
import type { TokenLoginClient } from './token-login.ts';

export interface ConnectionAuthorizer {
  /** Resolves to the access token it put on the request (OAuth 2, token login), for `refresh`. */
  authorize(request: AuthRequest): Promise<string | undefined>;
  /**
   * After a 401 or a `detectAuthFailure` hit on a request sent with `usedToken`: forgets that token,
   * so the next `authorize` gets a new one. Only that token: requests sent with one revoked token
   * whose 401s arrive after a retry already fetched a new one must not throw the new one away too
   * (one refresh each, every one rotating the refresh token). True when a retry can help (OAuth 2
   * and token login); static credentials would just be refused again.
   */
  refresh(usedToken: string | undefined): Promise<boolean>;
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
  return {
    async authorize(request) {
      let usedToken: string | undefined;
      const tracked =
        oauth2 === undefined
          ? undefined
          : {
              async accessToken() {
                usedToken = await oauth2.accessToken();
                return usedToken;
              },
            };
      await applyAuth(request, scheme, credentials, clock.now(), tracked);
      return usedToken;
    },
    async refresh(usedToken) {
      if (oauth2 === undefined || usedToken === undefined) return false;
      // The client ignores a token it no longer hands out: the retry then gets the current one.
      oauth2.invalidate(usedToken);
      return true;
    },
  };
}
