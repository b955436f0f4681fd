import type { RunningSandbox } from '@weft/sdk/testing';
import { STRIPE_EVENT_TYPES, TEST_MODE_REQUESTS_PER_SECOND } from './stripe/stripe.fixtures.ts';
import { stripe } from './stripe/stripe.connector.ts';
import { SANDBOX_SHOP_DOMAIN, SEED_PRODUCTS, SHOPIFY_WEBHOOK_TOPICS } from './shopify/shopify.fixtures.ts';
import { shopify } from './shopify/shopify.connector.ts';
import { netsuite } from './netsuite/netsuite.connector.ts';
import { FEDEX_WEBHOOK_EVENT_TYPES } from './fedex/fedex.fixtures.ts';
import { fedex } from './fedex/fedex.connector.ts';
import { SANDBOX_EVENT_TYPES as SHIPROCKET_EVENT_TYPES } from './shiprocket/shiprocket.fixtures.ts';
import { shiprocket } from './shiprocket/shiprocket.connector.ts';
import { SLACK_INTERACTION_TYPES } from './slack/slack.fixtures.ts';
import { slack } from './slack/slack.connector.ts';
import { QUICKBOOKS_EVENT_TYPES } from './quickbooks/quickbooks.fixtures.ts';
import { quickbooks } from './quickbooks/quickbooks.connector.ts';
import { CALLBACK_STATUSES } from './twilio/twilio.fixtures.ts';
import { twilio } from './twilio/twilio.connector.ts';

export { fedex, netsuite, quickbooks, shiprocket, shopify, slack, stripe, twilio };

/** Every connector that ships with Weft, in one explicit list (no discovery, no side effects). */
export const builtInConnectors = [stripe, shopify, netsuite, quickbooks, fedex, shiprocket, slack, twilio] as const;

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
  /**
   * Items the ERP and accounting sandboxes (NetSuite, QuickBooks) hold besides their own seeds.
   * Default: the Shopify sandbox's catalog, so sandboxes started together agree on SKUs.
   */
  catalog?: readonly SandboxCatalogItem[];
}

export interface SandboxCatalogItem {
  sku: string;
  name: string;
  /** Decimal string. */
  price: string;
  onHand: number;
}

/** What the Shopify sandbox sells: every variant of its seeded products. */
export const SHOPIFY_SANDBOX_CATALOG: readonly SandboxCatalogItem[] = SEED_PRODUCTS.flatMap((product) =>
  product.variants.map((variant) => ({
    sku: variant.sku,
    name: variant.title === 'Default Title' ? product.title : `${product.title} ${variant.title}`,
    price: variant.price,
    onHand: variant.available,
  })),
);

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
    const sandbox = await startNetsuiteSandbox({ ...options, catalog: options.catalog ?? SHOPIFY_SANDBOX_CATALOG });
    return Object.assign(sandbox, { connectionConfig: { baseUrl: sandbox.url }, credentials: { ...sandbox.credentials }, eventTypes: [] });
  },
  fedex: async (options = {}) => {
    const { startFedexSandbox } = await import('./fedex/fedex.sandbox.ts');
    const sandbox = await startFedexSandbox(options);
    // Ship requests use the connection's accountNumber; the OAuth scheme reads clientId/clientSecret.
    return Object.assign(sandbox, {
      connectionConfig: { baseUrl: sandbox.url, accountNumber: sandbox.accountNumber },
      credentials: { clientId: sandbox.clientId, clientSecret: sandbox.clientSecret },
      webhookSecret: sandbox.webhookSecret,
      eventTypes: FEDEX_WEBHOOK_EVENT_TYPES,
    });
  },
  quickbooks: async (options = {}) => {
    const { startQuickBooksSandbox } = await import('./quickbooks/quickbooks.sandbox.ts');
    // The realm is in every API path. The sandbox's access token never expires, so a connection
    // uses it as a bearer token; its OAuth endpoints also work (--set tokenUrl=<sandbox>/oauth2/…).
    // Books kept in the Shopify sandbox's currency, so its orders can be invoiced (multicurrency is off).
    const sandbox = await startQuickBooksSandbox({ ...options, catalog: options.catalog ?? SHOPIFY_SANDBOX_CATALOG, homeCurrency: { value: 'EUR', name: 'Euro' } });
    return Object.assign(sandbox, {
      connectionConfig: { realmId: sandbox.realmId, baseUrl: sandbox.url, authScheme: 'bearer' },
      credentials: { token: sandbox.accessToken },
      eventTypes: QUICKBOOKS_EVENT_TYPES,
    });
  },
  shiprocket: async (options = {}) => {
    const { startShiprocketSandbox } = await import('./shiprocket/shiprocket.sandbox.ts');
    const sandbox = await startShiprocketSandbox(options);
    // The API user's email is the `username` secret; tracking webhooks carry webhookSecret as-is in x-api-key (Shiprocket signs nothing).
    return Object.assign(sandbox, { connectionConfig: { baseUrl: sandbox.url }, credentials: { ...sandbox.credentials }, eventTypes: SHIPROCKET_EVENT_TYPES });
  },
  slack: async (options = {}) => {
    const { startSlackSandbox } = await import('./slack/slack.sandbox.ts');
    // The bot token is the bearer token; interactive payloads are signed with the app's signing secret.
    const sandbox = await startSlackSandbox(options);
    return Object.assign(sandbox, { connectionConfig: { baseUrl: sandbox.url }, credentials: { token: sandbox.botToken }, eventTypes: SLACK_INTERACTION_TYPES });
  },
  twilio: async (options = {}) => {
    const { startTwilioSandbox } = await import('./twilio/twilio.sandbox.ts');
    // Basic auth is Account SID + Auth Token; the SID is also config (it is in every path); the token signs callbacks.
    const sandbox = await startTwilioSandbox(options);
    const connectionConfig = { accountSid: sandbox.accountSid, baseUrl: sandbox.url };
    return Object.assign(sandbox, { connectionConfig, credentials: { username: sandbox.accountSid, password: sandbox.authToken }, eventTypes: CALLBACK_STATUSES });
  },
};
