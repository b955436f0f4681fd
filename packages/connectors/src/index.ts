import type { RunningSandbox } from '@weft/sdk/testing';
import { STRIPE_EVENT_TYPES, TEST_MODE_REQUESTS_PER_SECOND } from './stripe/stripe.fixtures.ts';
import { stripe } from './stripe/stripe.connector.ts';
import { SANDBOX_SHOP_DOMAIN, SHOPIFY_WEBHOOK_TOPICS } from './shopify/shopify.fixtures.ts';
import { shopify } from './shopify/shopify.connector.ts';
import { netsuite } from './netsuite/netsuite.connector.ts';

export { netsuite, shopify, stripe };

/** Every connector that ships with Weft, in one explicit list (no discovery, no side effects). */
export const builtInConnectors = [stripe, shopify, netsuite] as const;

/** A running vendor sandbox and what a connection needs to use it. */
export type BuiltInSandbox = RunningSandbox & {
  /**
   * The settings of a connection to it (`weft connections add … --set <key>=<value>`): its
   * `baseUrl`, and whatever else the connector's config requires (Shopify's `shop`).
   */
  connectionConfig: Readonly<Record<string, string>>;
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
    return Object.assign(sandbox, { connectionConfig: { baseUrl: sandbox.url }, credentials: { token: sandbox.secretKey }, eventTypes: STRIPE_EVENT_TYPES });
  },
  shopify: async (options = {}) => {
    const { startShopifySandbox } = await import('./shopify/shopify.sandbox.ts');
    const sandbox = await startShopifySandbox(options);
    // The connector requires shop even when baseUrl replaces the host it names; the token goes in as apiKey.
    const connectionConfig = { shop: SANDBOX_SHOP_DOMAIN.replace(/\.myshopify\.com$/, ''), baseUrl: sandbox.url };
    return Object.assign(sandbox, { connectionConfig, credentials: { apiKey: sandbox.accessToken }, eventTypes: SHOPIFY_WEBHOOK_TOPICS });
  },
  netsuite: async (options = {}) => {
    const { startNetsuiteSandbox } = await import('./netsuite/netsuite.sandbox.ts');
    // baseUrl stands in for accountId (the account is one of the five token-based-auth secrets); NetSuite sends no webhooks.
    const sandbox = await startNetsuiteSandbox(options);
    return Object.assign(sandbox, { connectionConfig: { baseUrl: sandbox.url }, credentials: { ...sandbox.credentials }, eventTypes: [] });
  },
};
