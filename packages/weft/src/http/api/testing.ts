/** Test support for the management API: a real Weft (SQLite file, engine, ERP sandbox) driven in-process with `inject`. */
import { startErp, type Erp } from '../../demo/erp.ts';
import { makeOrder } from '../../demo/shop.ts';
import type { RunStatus } from '../../core/run.ts';
import type { ApiRole } from '../../store/store.ts';
import { startTestWeft, type TestWeftOptions } from '../../../test/support/weft-harness.ts';

export const ADMIN_PASSWORD = 'correct horse battery staple';

/** Orders keep one run at a time per order number (the ordering key): the record a later success resolves. */
export const ORDER_FLOW = `id: orders
trigger:
  webhook:
    path: orders
    dedupeKey: trigger.headers."x-delivery"
orderingKey: $string(trigger.body.order_number)
retry: { maxAttempts: 1 }
steps:
  - id: salesOrder
    map: '{ "externalId": $string(trigger.body.order_number), "lines": [trigger.body.line_items.{ "sku": sku, "quantity": quantity, "unitPrice": $number(price) }] }'
  - id: create
    call:
      url: \${env:ERP_URL}/api/sales-orders
      body: steps.salesOrder
      destination: the ERP
      describe: '"order " & $string(trigger.body.order_number)'
`;

export const MANUAL_FLOW = `id: echo
description: Echoes its input
trigger: { manual: {} }
steps:
  - id: echo
    map: trigger.body
`;

export interface Answer {
  status: number;
  headers: Record<string, unknown>;
  body: any;
  text: string;
}

export type ApiWeft = Awaited<ReturnType<typeof startTestWeft>> & {
  erp: Erp;
  api(method: string, url: string, options?: { token?: string; body?: unknown; headers?: Record<string, string> }): Promise<Answer>;
  /** An admin session from the admin password. */
  adminToken: string;
  /** A fresh API token with this role (created through the API). */
  tokenFor(role: ApiRole, name?: string): Promise<string>;
  /** Delivers an order to the orders webhook; `delivery` is the dedupe id. */
  deliver(n: number, options?: { badSku?: boolean; delivery?: string; order?: Record<string, unknown> }): Promise<Answer>;
  settled(flowId: string, expected: number): Promise<Record<RunStatus, number>>;
  stop(): Promise<void>;
};

export async function startApiWeft(options: Pick<TestWeftOptions, 'connectors' | 'prepare' | 'overrides'> = {}): Promise<ApiWeft> {
  const erp = await startErp();
  process.env.ERP_URL = erp.url;
  const weft = await startTestWeft({ 'orders.yaml': ORDER_FLOW, 'echo.yaml': MANUAL_FLOW }, { ...options, overrides: { ...options.overrides, adminPassword: ADMIN_PASSWORD } });
  const api: ApiWeft['api'] = async (method, url, options = {}) => {
    const response = await weft.app.inject({
      method: method as 'GET',
      url,
      headers: { ...(options.token ? { authorization: `Bearer ${options.token}` } : {}), ...options.headers },
      ...(options.body === undefined ? {} : { payload: options.body as object }),
    });
    let body: unknown;
    try {
      body = response.body === '' ? undefined : JSON.parse(response.body);
    } catch {
      body = undefined;
    }
    return { status: response.statusCode, headers: response.headers, body, text: response.body };
  };
  const session = await api('POST', '/api/v1/session', { body: { password: ADMIN_PASSWORD } });
  if (session.status !== 200) throw new Error(`admin sign-in failed: ${session.text}`);
  const adminToken = session.body.token as string;
  let tokens = 0;
  return Object.assign(weft, {
    erp,
    api,
    adminToken,
    async tokenFor(role: ApiRole, name = `${role}-${++tokens}`) {
      const created = await api('POST', '/api/v1/tokens', { token: adminToken, body: { name, role } });
      if (created.status !== 201) throw new Error(`token creation failed: ${created.text}`);
      return created.body.token as string;
    },
    deliver(n: number, options: { badSku?: boolean; delivery?: string; order?: Record<string, unknown> } = {}) {
      return api('POST', '/hooks/orders', {
        body: options.order ?? makeOrder(n, { badSku: options.badSku ?? false }),
        headers: { 'content-type': 'application/json', 'x-delivery': options.delivery ?? `delivery-${n}` },
      });
    },
    async settled(flowId: string, expected: number) {
      const deadline = Date.now() + 15_000;
      for (;;) {
        const counts = await weft.store.countRuns(flowId);
        if (counts.succeeded + counts.exception >= expected && counts.queued + counts.running === 0) return counts;
        if (Date.now() > deadline) throw new Error(`runs did not settle: ${JSON.stringify(counts)}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async stop() {
      await weft.close();
      await erp.close();
    },
  });
}

/** Polls until `check` holds. */
export async function eventually<T>(read: () => Promise<T>, check: (value: T) => boolean, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (check(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
