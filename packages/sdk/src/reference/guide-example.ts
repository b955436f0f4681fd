// The example connector of docs/guides/writing-a-connector.md. The guide shows the regions
// marked below verbatim (`npm run gen` copies them in), and guide-example.test.ts runs this
// module against guide-example.sandbox.ts with the connector contract suite, so every sample
// in the guide type-checks and works. It is documentation, not a shipped connector: it imports
// '@weft/sdk' as a connector in packages/connectors would.

// #region declarative-action
import { apiKey, cursor, defineAction, defineConnector, defineTrigger, schema, ValidationError, type Infer } from '@weft/sdk';

const customer = schema.Object({
  id: schema.String({ description: 'Acme customer id, e.g. C-1001.' }),
  email: schema.String({ maxLength: 254 }),
  name: schema.String(),
  updated_at: schema.String({ description: 'ISO 8601, UTC; lists sort on it.' }),
});
type Customer = Infer<typeof customer>;

export const createSalesOrder = defineAction({
  id: 'create-sales-order',
  name: 'Create sales order',
  description: 'POST /sales-orders. Acme rejects some orders with HTTP 200 and { ok: false }.',
  input: schema.Object({
    customerId: schema.String(),
    lines: schema.Array(schema.Object({ sku: schema.String(), quantity: schema.Integer({ minimum: 1 }) }), { minItems: 1 }),
  }),
  output: schema.Object({ id: schema.String({ description: 'The sales order number.' }) }),
  request: (input) => ({ method: 'POST', path: '/sales-orders', body: input }),
  response: (raw) => ({ id: String((raw as { salesOrderId: number }).salesOrderId) }),
  // Called on every response, failures included: look at 2xx bodies only, and leave failed
  // statuses to errorFromResponse (return undefined).
  errors: (response) => {
    const body = response.body as { ok?: boolean; error?: { message?: string } } | null;
    if (response.status >= 300 || body?.ok !== false) return undefined;
    return new ValidationError('ERR_ACME_ORDER_REJECTED', {
      status: response.status,
      message: `Acme rejected the sales order: ${body.error?.message ?? 'no reason given'}`,
    });
  },
});
// #endregion

// #region paginated-action
interface CustomerPage {
  data: Customer[];
  next_cursor: string | null;
}

// Acme pages with ?cursor=<next_cursor>; the last page has next_cursor null.
const customerPages = cursor({
  cursorParam: 'cursor',
  items: (body) => (body as CustomerPage).data,
  nextCursor: (body) => (body as CustomerPage).next_cursor,
});

export const listCustomers = defineAction({
  id: 'list-customers',
  name: 'List customers',
  description: 'GET /customers, every page.',
  input: schema.Object({
    email: schema.Optional(schema.String({ description: 'Only the customer with this email.' })),
    limit: schema.Optional(schema.Integer({ minimum: 1, maximum: 100, description: 'Page size.' })),
  }),
  output: schema.Object({ customers: schema.Array(customer) }),
  // Undefined query values are left out, so optional inputs pass straight through.
  request: ({ email, limit }) => ({ method: 'GET', path: '/customers', query: { email, limit } }),
  pagination: customerPages,
  // With pagination, raw is every page's items in one array.
  response: (items) => ({ customers: items as Customer[] }),
});
// #endregion

// #region code-action
export const upsertCustomer = defineAction({
  id: 'upsert-customer',
  name: 'Create or update customer',
  description: 'Finds the customer by email, then updates it or creates it: two requests, so code.',
  input: schema.Object({ email: schema.String({ maxLength: 254 }), name: schema.String() }),
  output: customer,
  async run({ input, http }) {
    // ctx.http adds the base URL, auth, rate limits and the audit record; a failed response
    // rejects with a ConnectorError, so this reads as the happy path.
    const found = await http.request({ method: 'GET', path: '/customers', query: { email: input.email, limit: 1 } });
    const [existing] = (found.body as CustomerPage).data;
    const saved =
      existing === undefined
        ? await http.request({ method: 'POST', path: '/customers', body: input })
        : await http.request({ method: 'PATCH', path: `/customers/${encodeURIComponent(existing.id)}`, body: { name: input.name } });
    return saved.body as Customer;
  },
});
// #endregion

export const getAccount = defineAction({
  id: 'get-account',
  name: 'Get account',
  description: 'GET /account: read-only and needs no input, so `weft connections test` uses it.',
  input: schema.Object({}),
  output: schema.Object({ id: schema.String(), name: schema.String() }),
  request: () => ({ method: 'GET', path: '/account' }),
});

// #region webhook-trigger
const orderShippedEvent = schema.Object({
  id: schema.String({ description: 'The event id; a redelivery keeps it.' }),
  type: schema.Literal('order.shipped'),
  created_at: schema.String(),
  data: schema.Object({ salesOrderId: schema.Integer(), trackingNumber: schema.String() }),
});

export const orderShipped = defineTrigger({
  id: 'order-shipped',
  name: 'Order shipped',
  strategy: 'webhook',
  webhook: {
    // Acme signs the raw body: X-Acme-Signature: sha256=<hex HMAC-SHA256 with the webhook secret>.
    signature: { scheme: 'hmac-sha256', header: 'X-Acme-Signature', prefix: 'sha256=', encoding: 'hex' },
    // The event id, so a redelivered event is acknowledged and not run twice.
    dedupeId: (_headers, body) => (body as { id?: string }).id,
    // Acme sends every event the endpoint subscribes to; this trigger runs for one of them.
    topic: { field: 'type', values: ['order.shipped'] },
  },
  output: orderShippedEvent,
});
// #endregion

// #region poll-trigger
export const customerUpdated = defineTrigger({
  id: 'customer-updated',
  name: 'Customer created or updated',
  strategy: 'poll',
  poll: {
    cursor: 'timestamp',
    // `updated_since` is inclusive: records that share the boundary second come back again,
    // which is the overlap that keeps them from being lost; dedupeId drops the repeats.
    request: (since) => ({ method: 'GET', path: '/customers', query: { updated_since: since, sort: 'updated_at', limit: 100 } }),
    pagination: customerPages,
    // The cursor after also seeing this record: the later of the two (ISO 8601 in UTC sorts as
    // text). The engine folds it record by record, so a poll holds one page at a time.
    cursorAfter: (soFar, item) => {
      const updatedAt = (item as Customer).updated_at;
      return soFar === undefined || updatedAt > soFar ? updatedAt : soFar;
    },
    // The record and its version: the same customer updated again is a new event.
    dedupeId: (item) => `${(item as Customer).id}@${(item as Customer).updated_at}`,
    intervalMs: 60_000,
  },
  output: customer,
});
// #endregion

// #region connector
export const acme = defineConnector({
  id: 'acme-erp',
  name: 'Acme ERP',
  description: 'Customers and sales orders in Acme ERP.',
  baseUrl: 'https://erp.acme.example/api/v2',
  // The vault secret `apiKey` goes in the X-Api-Key header.
  auth: [apiKey({ in: 'header', name: 'X-Api-Key' })],
  // Per connection, shared by every worker; a connection can lower or raise them.
  rateLimit: { requestsPerSecond: 5, burst: 10, concurrency: 4, perEndpoint: { 'create-sales-order': { requestsPerSecond: 1 } } },
  // Acme reports an expired key as 200 { ok: false, error: { code: 'SESSION_EXPIRED' } }.
  detectAuthFailure: (response) => (response.body as { error?: { code?: string } } | null)?.error?.code === 'SESSION_EXPIRED',
  testAction: 'get-account',
  actions: [createSalesOrder, listCustomers, upsertCustomer, getAccount],
  triggers: [orderShipped, customerUpdated],
});
// #endregion
