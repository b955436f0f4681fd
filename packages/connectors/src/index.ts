import type { RunningSandbox } from '@weft/sdk/testing';
import { STRIPE_EVENT_TYPES, TEST_MODE_REQUESTS_PER_SECOND } from './stripe/stripe.fixtures.ts';
import { stripe } from './stripe/stripe.connector.ts';

export { stripe };

/** Every connector that ships with Weft, in one explicit list (no discovery, no side effects). */
export const builtInConnectors = [stripe] as const;

/** A running vendor sandbox and what a connection needs to use it. */
export type BuiltInSandbox = RunningSandbox & {
  /** Credential name → value, as a connection holds them (`token` for a bearer key). */
  credentials: Record<string, string>;
  webhookSecret?: string;
  /** The event types its webhooks can send (`/_sandbox/webhooks/deliver` with `type`). */
  eventTypes: readonly string[];
};

export interface BuiltInSandboxOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
}

/**
 * Vendor sandboxes by connector id, for `weft sandbox <vendor>` and end-to-end tests. Each is
 * loaded on first use, so importing builtInConnectors does not load the sandboxes.
 */
export const builtInSandboxes: Readonly<Record<string, (options?: BuiltInSandboxOptions) => Promise<BuiltInSandbox>>> = {
  stripe: async (options = {}) => {
    const { startStripeSandbox } = await import('./stripe/stripe.sandbox.ts');
    // Stripe's own test-mode limit, so a flow that would be throttled by Stripe is throttled here.
    const sandbox = await startStripeSandbox({ ...options, requestsPerSecond: TEST_MODE_REQUESTS_PER_SECOND });
    return Object.assign(sandbox, { credentials: { token: sandbox.secretKey }, eventTypes: STRIPE_EVENT_TYPES });
  },
};
