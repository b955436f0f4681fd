import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { addTokenPassport } from '@weft/sdk';
import { createTestHttpClient, type TestHttpClient, type TestHttpClientOptions } from '@weft/sdk/testing';
import { netsuite } from './netsuite.connector.ts';
import { SANDBOX_CREDENTIALS } from './netsuite.fixtures.ts';

export type NetsuiteCredentials = Record<keyof typeof SANDBOX_CREDENTIALS, string>;

/**
 * What the engine's auth does for a token-passport connection, for tests without an engine:
 * every request's envelope gets a fresh signed passport (the sandbox's credentials unless told).
 */
export function tbaClient(
  options: TestHttpClientOptions & { credentials?: NetsuiteCredentials; nowSeconds?: () => number; nonce?: () => string },
): TestHttpClient {
  const inner = createTestHttpClient(options);
  const [scheme] = netsuite.auth;
  assert.ok(scheme?.kind === 'token-passport');
  return {
    request: (request, requestOptions) =>
      inner.request(
        {
          ...request,
          body: addTokenPassport(request.body as string, scheme, options.credentials ?? SANDBOX_CREDENTIALS, {
            nonce: options.nonce?.() ?? randomBytes(12).toString('hex'),
            timestamp: options.nowSeconds?.() ?? Math.floor(Date.now() / 1000),
          }),
        },
        requestOptions,
      ),
  };
}
