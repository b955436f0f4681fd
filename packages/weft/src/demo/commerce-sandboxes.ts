import { builtInSandboxes, SHOPIFY_SANDBOX_CATALOG, type BuiltInSandbox } from '@weft/connectors';
import { openVault } from '../connectors/vault/open-vault.ts';
import type { Store } from '../store/store.ts';

/**
 * The order-to-cash world on loopback: every vendor sandbox the commerce examples use, started
 * together so they agree on the catalog, and the connections (with secrets in the vault) the
 * example flows name. The demo and the end-to-end tests both build on it.
 */
export const COMMERCE_CONNECTIONS = {
  shop: 'shopify',
  erp: 'netsuite',
  payments: 'stripe',
  books: 'quickbooks',
  carrier: 'fedex',
  sms: 'twilio',
  chat: 'slack',
} as const;

export type CommerceConnection = keyof typeof COMMERCE_CONNECTIONS;

export interface CommerceSandboxes {
  byConnection: Record<CommerceConnection, BuiltInSandbox>;
  /** Every sandbox's base URL, for the egress allow-list. */
  hosts(): string[];
  reset(): void;
  close(): Promise<void>;
}

export interface CommerceOptions {
  /** SKUs the shop sells that the ERP does not know: orders with them are refused by NetSuite (the demo's unknown SKU). */
  skusMissingInErp?: readonly string[];
}

export async function startCommerceSandboxes(options: CommerceOptions = {}): Promise<CommerceSandboxes> {
  const missing = new Set(options.skusMissingInErp ?? []);
  const entries = await Promise.all(
    Object.entries(COMMERCE_CONNECTIONS).map(async ([connection, vendor]) => {
      const start = builtInSandboxes[vendor]!;
      const catalog = vendor === 'netsuite' ? SHOPIFY_SANDBOX_CATALOG.filter((item) => !missing.has(item.sku)) : SHOPIFY_SANDBOX_CATALOG;
      return [connection, await start({ catalog })] as const;
    }),
  );
  const byConnection = Object.fromEntries(entries) as Record<CommerceConnection, BuiltInSandbox>;
  return {
    byConnection,
    hosts: () => Object.values(byConnection).map((sandbox) => new URL(sandbox.url).host),
    reset: () => Object.values(byConnection).forEach((sandbox) => sandbox.reset()),
    close: async () => {
      await Promise.all(Object.values(byConnection).map((sandbox) => sandbox.close()));
    },
  };
}

/**
 * Creates the example flows' connections in `store`, secrets sealed in the vault (so
 * WEFT_MASTER_KEY must be set in `env`), and links each catalog SKU to its QuickBooks item in the
 * cross-reference, as an operator would once with `weft xref set item sku:<SKU> books:<id>`.
 */
export async function connectCommerceSandboxes(store: Store, sandboxes: CommerceSandboxes, env: Record<string, string | undefined>, now: number): Promise<void> {
  const { vault } = openVault(store.secrets, env);
  for (const [connection, vendor] of Object.entries(COMMERCE_CONNECTIONS) as [CommerceConnection, string][]) {
    const sandbox = sandboxes.byConnection[connection];
    await store.connections.put({ id: connection, connectorId: vendor, config: { ...sandbox.connectionConfig }, now });
    for (const [name, value] of Object.entries(sandbox.credentials)) await vault.put(connection, name, value);
    if (sandbox.webhookSecret !== undefined) await vault.put(connection, 'webhookSecret', sandbox.webhookSecret);
  }
  for (const [sku, itemId] of quickBooksItemIds(sandboxes.byConnection.books)) {
    await store.xref.link('item', { system: 'sku', id: sku }, { system: 'books', id: itemId }, now);
  }
}

/** SKU → QuickBooks item Id, read from the sandbox's books (its catalog items are named by SKU). */
function quickBooksItemIds(sandbox: BuiltInSandbox): [string, string][] {
  const state = sandbox.state() as { realms: Map<string, { items: { all(): { Id: string; Sku?: string }[] } }> };
  const [books] = state.realms.values();
  const skus = new Set(SHOPIFY_SANDBOX_CATALOG.map((item) => item.sku));
  return books!.items
    .all()
    .filter((item) => item.Sku !== undefined && skus.has(item.Sku))
    .map((item) => [item.Sku!, item.Id]);
}
