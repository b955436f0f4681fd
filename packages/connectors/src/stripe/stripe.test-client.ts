import { createTestHttpClient, type TestHttpClient } from '@weft/sdk/testing';
import type { StripeSandbox } from './stripe.sandbox.ts';

/** What the engine's bearer auth does for a Stripe connection, for tests without an engine: the sandbox's secret key on every request. */
export function sandboxClient(sandbox: StripeSandbox): TestHttpClient {
  return createTestHttpClient({ baseUrl: sandbox.url, headers: { authorization: `Bearer ${sandbox.secretKey}` } });
}
