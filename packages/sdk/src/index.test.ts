import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  bearer,
  cursor,
  defineAction,
  defineConnector,
  errorFromResponse,
  paginate,
  schema,
  ValidationError,
  type FetchPage,
  type Infer,
} from './index.ts';

// The README's example, through the public entry point, so the two cannot drift apart.
const order = schema.Object({
  customerId: schema.String(),
  lines: schema.Array(schema.Object({ sku: schema.String(), quantity: schema.Integer({ minimum: 1 }) })),
});
type AcmeOrder = Infer<typeof order>;

const createSalesOrder = defineAction({
  id: 'create-sales-order',
  name: 'Create sales order',
  input: order,
  output: schema.Object({ id: schema.String() }),
  request: (input) => ({ method: 'POST', path: '/sales-orders', body: input }),
  response: (raw) => ({ id: String((raw as { salesOrderId: number }).salesOrderId) }),
  errors: (response) =>
    (response.body as { ok?: boolean }).ok === false ? new ValidationError('ERR_ACME_ORDER_REJECTED', { status: response.status }) : undefined,
});

const acme = defineConnector({
  id: 'acme-erp',
  name: 'Acme ERP',
  baseUrl: 'https://erp.acme.example/api/v2',
  auth: [bearer()],
  rateLimit: { requestsPerSecond: 5, concurrency: 4, perEndpoint: { 'create-sales-order': { requestsPerSecond: 1 } } },
  actions: [createSalesOrder],
});

describe('the public API (README example)', () => {
  it('declares a connector whose action is data the engine can send', () => {
    const action = acme.actions[0];
    assert.ok(action?.kind === 'declarative');
    const input: AcmeOrder = { customerId: 'c1', lines: [{ sku: 'ABC-9', quantity: 2 }] };
    assert.deepEqual(action.request(input), { method: 'POST', path: '/sales-orders', body: input });
    assert.deepEqual(action.response?.({ salesOrderId: 889 }), { id: '889' });
  });

  it("lets the action's errors hook read a 200 that is a rejection, and falls back to errorFromResponse", () => {
    const action = acme.actions[0];
    const rejected = action?.errors?.({ status: 200, headers: {}, body: { ok: false }, text: '{"ok":false}' });
    assert.ok(rejected instanceof ValidationError);
    assert.equal(rejected.code, 'ERR_ACME_ORDER_REJECTED');
    assert.equal(action?.errors?.({ status: 503, headers: {}, body: {}, text: '{}' }), undefined);
    assert.equal(errorFromResponse({ status: 503, headers: {}, body: {}, now: 0 }).retryable, true);
  });

  it("paginates Stripe's list shape", async () => {
    const charges = ['ch_1', 'ch_2', 'ch_3'].map((id) => ({ id }));
    const fetchPage: FetchPage = async (request) => {
      const after = charges.findIndex((charge) => charge.id === request.query?.starting_after);
      const data = charges.slice(after + 1, after + 3);
      return { status: 200, headers: {}, body: { data, has_more: after + 3 < charges.length } };
    };
    const stripeList = cursor({
      cursorParam: 'starting_after',
      items: (body) => (body as { data: { id: string }[] }).data,
      nextCursor: (body) => {
        const { data, has_more } = body as { data: { id: string }[]; has_more: boolean };
        return has_more ? data.at(-1)?.id : undefined;
      },
    });
    const seen: unknown[] = [];
    for await (const charge of paginate(stripeList, { method: 'GET', path: '/v1/charges', query: { limit: 2 } }, fetchPage, { maxPages: 50 })) {
      seen.push(charge);
    }
    assert.deepEqual(seen, charges);
  });
});
