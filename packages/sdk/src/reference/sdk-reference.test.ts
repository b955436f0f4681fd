import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { apiKey, cursor, defineAction, defineConnector, defineTrigger, schema } from '../index.ts';
import { fieldTable, sdkReferenceMarkdown } from './sdk-reference.ts';

const getThing = defineAction({
  id: 'get-thing',
  name: 'Get thing',
  description: 'GET /things/{id}.',
  input: schema.Object({ id: schema.String({ pattern: '^(th|tg)_', description: 'The thing.' }), verbose: schema.Optional(schema.Boolean()) }),
  output: schema.Object({
    id: schema.String(),
    kind: schema.Union([schema.Literal('small'), schema.Literal('large')]),
    owner: schema.Union([schema.Object({ name: schema.String({ maxLength: 40 }) }), schema.Null()]),
    tags: schema.Array(schema.Object({ label: schema.String() }), { maxItems: 10 }),
    labels: schema.Record(schema.String(), schema.String()),
  }),
  request: ({ id }) => ({ method: 'GET', path: `/things/${id}` }),
});

const listThings = defineAction({
  id: 'list-things',
  name: 'List things',
  input: schema.Object({}),
  output: schema.Array(schema.String()),
  request: () => ({ method: 'GET', path: '/things' }),
  pagination: cursor({ cursorParam: 'after', items: (body) => body as unknown[], nextCursor: () => undefined }),
});

const thingMade = defineTrigger({
  id: 'thing-made',
  name: 'Thing made',
  strategy: 'webhook',
  webhook: {
    signature: { scheme: 'hmac-sha256', header: 'X-Tiny-Signature', prefix: 'sha256=' },
    dedupeId: (headers) => headers['x-tiny-delivery'],
    topic: { header: 'X-Tiny-Event', values: ['thing.made', 'thing.remade'] },
  },
  output: schema.Object({ id: schema.String() }),
});

const thingChanged = defineTrigger({
  id: 'thing-changed',
  name: 'Thing changed',
  strategy: 'poll',
  poll: {
    cursor: 'timestamp',
    request: (since) => ({ method: 'GET', path: '/things', query: { since } }),
    items: (body) => body as unknown[],
    nextCursor: () => undefined,
    dedupeId: (item) => (item as { id: string }).id,
    intervalMs: 30_000,
  },
  output: schema.Object({ id: schema.String() }),
});

const tiny = defineConnector({
  id: 'tiny',
  name: 'Tiny Things',
  description: 'A connector for this test.',
  baseUrl: 'https://tiny.example/api',
  auth: [apiKey({ in: 'header', name: 'X-Tiny-Key' })],
  rateLimit: { requestsPerSecond: 2, concurrency: 1, perEndpoint: { 'list-things': { requestsPerSecond: 0.5 } } },
  testAction: 'list-things',
  actions: [getThing, listThings],
  triggers: [thingMade, thingChanged],
});

const authSecrets = { 'api-key': { secrets: '`apiKey`', sentAs: 'header `name: <apiKey>`' } };

describe('sdkReferenceMarkdown', () => {
  const page = sdkReferenceMarkdown([tiny], { authSecrets });

  it('is deterministic and ends with one newline', () => {
    assert.equal(sdkReferenceMarkdown([tiny], { authSecrets }), page);
    assert.ok(page.endsWith('|\n') && !page.endsWith('\n\n'));
  });

  it('indexes the connectors and gives each its facts', () => {
    assert.match(page, /^\| \[Tiny Things\]\(#tiny-things\) \| `tiny` \| `get-thing`, `list-things` \| `thing-made`, `thing-changed` \|$/m);
    assert.match(page, /^## Tiny Things$/m);
    assert.match(page, /^- \*\*Base URL:\*\* `https:\/\/tiny\.example\/api`$/m);
    assert.match(page, /^- \*\*Auth:\*\* `api-key` \(header `X-Tiny-Key`, secrets `apiKey`\)$/m);
    assert.match(page, /^- \*\*Rate limit:\*\* 2 requests\/s, 1 at once per connection; `list-things` 0\.5 requests\/s\./m);
    assert.match(page, /^- \*\*Test action:\*\* `list-things`/m);
  });

  it('renders inputs and outputs as field tables, nested fields as paths', () => {
    assert.match(page, /^\| `id` \| string \(matching `\^\(th\\\|tg\)_`\) \| yes \| The thing\. \|$/m, 'a pipe in a pattern is escaped');
    assert.match(page, /^\| `verbose` \| boolean \| no \|  \|$/m);
    assert.match(page, /^\| `kind` \| one of `"small"`, `"large"` \| yes \|  \|$/m);
    assert.match(page, /^\| `owner` \| object or null \| yes \|  \|$/m);
    assert.match(page, /^\| `owner\.name` \| string \(≤ 40 chars\) \| yes \|  \|$/m);
    assert.match(page, /^\| `tags` \| array of objects \(≤ 10 items\) \| yes \|  \|$/m);
    assert.match(page, /^\| `tags\[\]\.label` \| string \| yes \|  \|$/m);
    assert.match(page, /^\| `labels` \| map of string values \| yes \|  \|$/m);
    assert.match(page, /Declarative, paginated \(`cursor`\): fetches every page\./);
    assert.match(page, /\*\*Input\*\*\n\nNo fields\./);
    assert.match(page, /\*\*Output\*\*\n\nType: array of string\./);
  });

  it('describes webhook and poll triggers', () => {
    assert.match(page, /- \*\*Signature:\*\* `hmac-sha256` \(header `X-Tiny-Signature`, prefix `sha256=`, hex, signs the body\)/);
    assert.match(page, /^- \*\*Topic:\*\* header `X-Tiny-Event` is `thing\.made` or `thing\.remade`; a delivery of another event is acknowledged and not run$/m);
    assert.match(page, /- \*\*Cursor:\*\* timestamp\n- \*\*Interval:\*\* 30 s unless the flow sets `every`/);
  });

  it('says whether a poll trigger holds one page at a time or every record of a poll', () => {
    assert.match(page, /^- \*\*Memory:\*\* a poll holds every record it reads until its last page, since the trigger computes its cursor from all of them \(`nextCursor`\)$/m);
    const folded = defineTrigger({
      id: 'thing-changed',
      name: 'Thing changed',
      strategy: 'poll',
      poll: { cursor: 'timestamp', request: () => ({ method: 'GET', path: '/things' }), items: (body) => body as unknown[], cursorAfter: (soFar) => soFar, dedupeId: () => undefined },
      output: schema.Object({ id: schema.String() }),
    });
    const foldedPage = sdkReferenceMarkdown([defineConnector({ ...tiny, triggers: [folded] })]);
    assert.match(foldedPage, /^- \*\*Memory:\*\* a poll holds one page at a time, however many it reads \(`weft backfill` too\)$/m);
  });

  it('lists the error classes as instantiated, and what errorFromResponse makes of each status', () => {
    assert.match(page, /^\| `RateLimitedError` \| `RetryableError` \| `ERR_CONNECTOR_RATE_LIMITED` \| `rate-limited` \| yes \| The destination is rate-limiting us\. \|$/m);
    assert.match(page, /^\| `AuthError` \| `PermanentError` \| `ERR_CONNECTOR_AUTH` \| `auth` \| no \|/m);
    assert.match(page, /^\| 401, 403, 407 \| `AuthError` \| `ERR_CONNECTOR_AUTH` \| `auth` \| no \|$/m);
    assert.match(page, /^\| 408, 504 \| `RetryableError` \| `ERR_CONNECTOR_RETRYABLE` \| `timeout` \| yes \|$/m);
    assert.match(page, /^\| any other \| `PermanentError` \| `ERR_CONNECTOR_PERMANENT` \| `bug` \| no \|$/m);
  });

  it('lists every auth scheme kind, with the secrets it was given and a dash for the rest', () => {
    assert.match(page, /^\| `api-key` \| `apiKey\(\{ in, name, prefix\? \}\)` \| `apiKey` \| header `name: <apiKey>` \|$/m);
    assert.match(page, /^\| `bearer` \| `bearer\(\)` \| — \| — \|$/m);
    const without = sdkReferenceMarkdown([tiny]);
    assert.match(without, /^\| kind \| declared with \|$/m);
    assert.match(without, /^- \*\*Auth:\*\* `api-key` \(header `X-Tiny-Key`\)$/m);
  });
});

describe('fieldTable', () => {
  it('describes a schema without properties in a sentence', () => {
    assert.equal(fieldTable(schema.String({ description: 'An id.' })), 'Type: string. An id.');
  });

  it('renders a union that carries a default, alone or nested in another union', () => {
    const reason = schema.Union([schema.Literal('correction'), schema.Literal('received')], { default: 'correction' });
    const table = fieldTable(
      schema.Object({
        reason: schema.Optional(reason),
        size: schema.Union([schema.Integer({ minimum: 1 }), schema.Union([schema.Literal('all'), schema.Null()], { default: 'all' })]),
      }),
    );
    assert.match(table, /^\| `reason` \| one of `"correction"`, `"received"` \(default `"correction"`\) \| no \|  \|$/m);
    assert.match(table, /^\| `size` \| integer \(≥ 1\) or `"all"` or null \(default `"all"`\) \| yes \|  \|$/m);
  });
});
