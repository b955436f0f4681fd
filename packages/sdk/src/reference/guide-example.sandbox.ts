// The sandbox of the guide's example connector (docs/guides/writing-a-connector.md shows the
// region below verbatim): a stateful fake of "Acme ERP" for guide-example.test.ts.

// #region sandbox
import { createHmac } from 'node:crypto';
import { createCollection, createSandbox, type Collection, type RunningSandbox, type SandboxRequest } from '@weft/sdk/testing';

interface AcmeCustomer {
  id: string;
  email: string;
  name: string;
  updated_at: string;
}

interface AcmeState {
  customers: Collection<AcmeCustomer>;
  nextOrder: number;
  nextEvent: number;
}

export const ACME_API_KEY = 'acme-test-key';
export const ACME_WEBHOOK_SECRET = 'acme-webhook-secret';
const PAGE_SIZE = 2;

// Seeded records, enough for three pages; `seed` runs again on every reset.
const seed = (): AcmeState => ({
  customers: createCollection(
    ['ada', 'grace', 'edsger', 'barbara', 'donald'].map((name, index) => ({
      id: `C-${1001 + index}`,
      email: `${name}@example.com`,
      name,
      updated_at: `2026-01-0${1 + index}T09:00:00Z`,
    })),
  ),
  nextOrder: 5001,
  nextEvent: 1,
});

const sign = (rawBody: string) => ({ 'x-acme-signature': `sha256=${createHmac('sha256', ACME_WEBHOOK_SECRET).update(rawBody).digest('hex')}` });

function page(request: SandboxRequest, records: AcmeCustomer[]) {
  const limit = Number(request.query.limit ?? PAGE_SIZE);
  const start = request.query.cursor === undefined ? 0 : records.findIndex((record) => record.id === request.query.cursor);
  if (start < 0) return { status: 400, body: { ok: false, error: { message: 'Unknown cursor' } } };
  return { body: { data: records.slice(start, start + limit), next_cursor: records[start + limit]?.id ?? null } };
}

export const acmeSandbox = createSandbox<AcmeState>({
  name: 'acme-erp',
  seed,
  authenticate: (request) =>
    request.headers['x-api-key'] === ACME_API_KEY ? undefined : { status: 401, body: { ok: false, error: { message: 'Invalid API key' } } },
  routes: [
    { method: 'GET', path: '/api/v2/account', handle: () => ({ body: { id: 'A-1', name: 'Acme Test Account' } }) },
    {
      method: 'GET',
      path: '/api/v2/customers',
      handle: (request, { state }) => {
        const { email, updated_since: since } = request.query;
        let records = state.customers.all().filter((record) => email === undefined || record.email === email);
        if (typeof since === 'string') records = records.filter((record) => record.updated_at >= since);
        return page(request, records);
      },
    },
    {
      method: 'POST',
      path: '/api/v2/customers',
      handle: (request, { state, now }) => {
        const { email, name } = request.body as { email: string; name: string };
        const id = `C-${1001 + state.customers.size}`;
        return { status: 201, body: state.customers.insert({ id, email, name, updated_at: new Date(now()).toISOString() }) };
      },
    },
    {
      method: 'PATCH',
      path: '/api/v2/customers/:id',
      handle: (request, { state, now }) => {
        const { name } = request.body as { name: string };
        const updated = state.customers.update(request.params.id ?? '', { name, updated_at: new Date(now()).toISOString() });
        return updated === undefined ? { status: 404, body: { ok: false, error: { message: 'No such customer' } } } : { body: updated };
      },
    },
    {
      method: 'POST',
      path: '/api/v2/sales-orders',
      handle: (request, { state }) => {
        const { customerId } = request.body as { customerId: string };
        // Acme's quirk the connector's errors hook exists for: a rejection with HTTP 200.
        if (state.customers.get(customerId) === undefined) return { body: { ok: false, error: { message: `Unknown customer ${customerId}` } } };
        return { status: 201, body: { ok: true, salesOrderId: state.nextOrder++ } };
      },
    },
  ],
  webhooks: {
    sign,
    event: (type, { state, now }) => ({
      id: `evt_${state.nextEvent++}`,
      type,
      created_at: new Date(now()).toISOString(),
      data: { salesOrderId: 5001, trackingNumber: '1Z999AA10123456784' },
    }),
  },
});

export type AcmeSandbox = RunningSandbox<AcmeState> & { apiKey: string; webhookSecret: string };

export async function startAcmeSandbox(): Promise<AcmeSandbox> {
  const running = await acmeSandbox.listen({ port: 0, host: '127.0.0.1' });
  return Object.assign(running, { apiKey: ACME_API_KEY, webhookSecret: ACME_WEBHOOK_SECRET });
}
// #endregion
