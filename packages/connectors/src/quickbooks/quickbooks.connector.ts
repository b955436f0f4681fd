import { bearer, defineConnector, oauth2AuthorizationCode, schema } from '@weft/sdk';
import { createCreditMemo } from './create-credit-memo.action.ts';
import { createCustomer } from './create-customer.action.ts';
import { createInvoice } from './create-invoice.action.ts';
import { createPayment } from './create-payment.action.ts';
import { dataChange } from './data-change.trigger.ts';
import { quickbooksMappings } from './quickbooks.canonical.ts';
import {
  ACCOUNTING_SCOPE,
  AUTHORIZATION_URL,
  CONCURRENT_REQUESTS,
  PRODUCTION_API,
  REQUESTS_PER_MINUTE,
  SANDBOX_API,
  TOKEN_URL,
} from './quickbooks.fixtures.ts';
import { queryCustomers } from './query-customers.action.ts';
import { readCompanyInfo } from './read-company-info.action.ts';
import { readInvoice } from './read-invoice.action.ts';

export const quickbooks = defineConnector({
  id: 'quickbooks',
  name: 'QuickBooks Online',
  description:
    'Accounting API v3: customers, invoices, payments applied to invoices, credit memos for refunds, and data change webhooks. Every request names the company (realm) in its path and carries minorversion; creates carry requestid, which QuickBooks uses to answer a retry with the first response.',
  // Every path is /v3/company/{realmId}/…, so the realm is part of the base URL.
  baseUrl: (config) => {
    const host = typeof config.baseUrl === 'string' ? config.baseUrl.replace(/\/+$/, '') : config.environment === 'sandbox' ? SANDBOX_API : PRODUCTION_API;
    const realmId = typeof config.realmId === 'string' || typeof config.realmId === 'number' ? String(config.realmId) : '{realmId}';
    return `${host}/v3/company/${realmId}`;
  },
  config: schema.Object({
    // `weft connections add --set realmId=…` reads the value as JSON, so digits arrive as a number;
    // one past 2^53 has already lost digits, and is refused rather than sent to the wrong company.
    realmId: schema.Union(
      [schema.String({ pattern: '^[0-9]+$' }), schema.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER })],
      { description: 'The company id (realmId), which Intuit adds to the redirect after consent. Quote ids of 16+ digits: --set \'realmId="…"\'.' },
    ),
    environment: schema.Optional(
      schema.Union([schema.Literal('production'), schema.Literal('sandbox')], {
        description: `production (${PRODUCTION_API}, the default) or an Intuit developer sandbox company (${SANDBOX_API}).`,
      }),
    ),
    baseUrl: schema.Optional(
      schema.String({ pattern: '^https?://', description: 'Replaces the host. Point it at `weft sandbox quickbooks` to try flows offline.' }),
    ),
  }),
  auth: [
    // Intuit's consent flow; the client id and secret go to the token endpoint as HTTP Basic, the engine's default.
    // Intuit documents no PKCE support for confidential clients, so none is sent.
    oauth2AuthorizationCode({ authorizationUrl: AUTHORIZATION_URL, tokenUrl: TOKEN_URL, scopes: [ACCOUNTING_SCOPE], pkce: false }),
    // An access token obtained elsewhere (Intuit's OAuth Playground, a sandbox), with `authScheme: bearer`; it lasts an hour.
    bearer(),
  ],
  // Per realm: 500 requests a minute and 10 at once; a burst of 10 keeps within both.
  rateLimit: { requestsPerSecond: REQUESTS_PER_MINUTE / 60, burst: CONCURRENT_REQUESTS, concurrency: CONCURRENT_REQUESTS },
  // QuickBooks ignores Idempotency-Key; it replays a create whose `requestid` it has seen, so the
  // engine sends each call's effect key there (45 characters, within Intuit's 50).
  idempotencyKey: { in: 'query', name: 'requestid' },
  actions: [createCustomer, queryCustomers, createInvoice, readInvoice, createPayment, createCreditMemo, readCompanyInfo],
  testAction: 'read-company-info',
  triggers: [dataChange],
  mappings: quickbooksMappings,
});
