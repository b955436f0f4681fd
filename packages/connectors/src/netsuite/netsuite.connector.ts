import { defineConnector, schema, tokenPassport } from '@weft/sdk';
import { addSalesOrder } from './add-sales-order.action.ts';
import { getItemFulfillment } from './get-item-fulfillment.action.ts';
import { getServerTime } from './get-server-time.action.ts';
import { getSalesOrder } from './get-sales-order.action.ts';
import { inventoryChanges } from './inventory-changes.trigger.ts';
import { netsuiteMappings } from './netsuite.canonical.ts';
import { ACCOUNT_CONCURRENCY_LIMIT, NS } from './netsuite.fixtures.ts';
import { searchInventory } from './search-inventory.action.ts';
import { upsertCustomer } from './upsert-customer.action.ts';
import { upsertSalesOrder } from './upsert-sales-order.action.ts';

export const netsuite = defineConnector({
  id: 'netsuite',
  name: 'NetSuite',
  description: 'SuiteTalk SOAP web services 2023.2 with token-based authentication: customers, sales orders, item fulfillments, inventory.',
  baseUrl: (config) => {
    if (typeof config.baseUrl === 'string') return config.baseUrl;
    if (typeof config.accountId === 'string') return `https://${accountHost(config.accountId)}.suitetalk.api.netsuite.com`;
    throw new TypeError('a NetSuite connection needs accountId (or baseUrl)');
  },
  config: schema.Object({
    accountId: schema.Optional(
      schema.String({ pattern: '^[0-9A-Za-z_-]+$', description: 'The account id, e.g. 1234567 or 1234567_SB1 (a sandbox); it names the host.' }),
    ),
    baseUrl: schema.Optional(
      schema.String({ pattern: '^https?://', description: 'Instead of accountId: the scheme and host, e.g. `weft sandbox netsuite`\'s URL to try flows offline.' }),
    ),
  }),
  // The passport's namespaces are those of the WSDL version the actions speak.
  auth: [tokenPassport({ passportNamespace: NS.platformMsgs, fieldsNamespace: NS.platformCore })],
  // NetSuite refuses requests beyond the account's concurrency limit rather than queueing them;
  // holding the connection under it turns refusals into waits. Raise it for SuiteCloud Plus.
  rateLimit: { concurrency: ACCOUNT_CONCURRENCY_LIMIT },
  actions: [upsertCustomer, addSalesOrder, upsertSalesOrder, getSalesOrder, getItemFulfillment, searchInventory, getServerTime],
  triggers: [inventoryChanges],
  // Signed, read-only and needing no records: proves the account, keys and token work together.
  testAction: 'get-server-time',
  mappings: netsuiteMappings,
});

/** NetSuite's hosts spell the account id in lower case with dashes: 1234567_SB1 → 1234567-sb1. */
function accountHost(accountId: string): string {
  return accountId.toLowerCase().replace(/_/g, '-');
}
