import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dereference } from '@readme/openapi-parser';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import ts from 'typescript';
import type { Connector, DeclarativeAction, DeclarativeRequest } from '@weft/sdk';
import { importOpenApi, kebabCase, type ImportResult } from './import-openapi.ts';
import { exampleFor, requestProblems, stringMatching } from './testing.ts';

const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

const FIXTURE = fileURLToPath(new URL('./__fixtures__/shop-api.yaml', import.meta.url));
const SDK = fileURLToPath(new URL('../../../../sdk', import.meta.url));
// The vendor specs live beside the repository, not in it; the tests that use them skip without.
const SPECS = fileURLToPath(new URL('../../../../../../shared/specs', import.meta.url));

const tempDirs: string[] = [];
process.once('exit', () => tempDirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** Writes the generated files where `@weft/sdk` resolves, as in a user's project, and imports the connector. */
async function generate(result: ImportResult): Promise<{ dir: string; connector: Connector }> {
  const dir = mkdtempSync(join(tmpdir(), 'weft-openapi-'));
  tempDirs.push(dir);
  mkdirSync(join(dir, 'node_modules', '@weft'), { recursive: true });
  symlinkSync(SDK, join(dir, 'node_modules', '@weft', 'sdk'), 'dir');
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
  for (const file of result.files) {
    mkdirSync(dirname(join(dir, 'connector', file.path)), { recursive: true });
    writeFileSync(join(dir, 'connector', file.path), file.text);
  }
  const module = (await import(pathToFileURL(join(dir, 'connector', 'connector.ts')).href)) as { connector: Connector; default: Connector };
  assert.equal(module.default, module.connector);
  return { dir, connector: module.connector };
}

function declarative(connector: Connector, id: string): DeclarativeAction {
  const action = connector.actions.find((candidate) => candidate.id === id);
  assert.ok(action !== undefined && action.kind === 'declarative', `no declarative action ${id}`);
  return action;
}

/** Every action's example inputs (required fields only, then all down to depth 4) against the original spec. */
async function assertRequestsValidate(spec: string | object, result: ImportResult, connector: Connector): Promise<number> {
  const document = (await dereference((typeof spec === 'string' ? spec : structuredClone(spec)) as Parameters<typeof dereference>[0])) as unknown as Record<string, unknown>;
  const ajv = new Ajv({ strict: true, allowUnionTypes: true, allErrors: true });
  addFormats(ajv);
  let checked = 0;
  const failures: string[] = [];
  for (const model of result.model.actions) {
    const action = declarative(connector, model.id);
    // The schemas the connector declares compile in ajv's strict mode, as the engine will compile them.
    const validateInput = ajv.compile(action.input);
    ajv.compile(action.output);
    for (const optionalDepth of [-1, 4]) {
      const input = exampleFor(action.input as never, { optionalDepth });
      if (!validateInput(input)) failures.push(`${model.id}: example input does not fit the action's input schema: ${ajv.errorsText(validateInput.errors)}`);
      const request = action.request(input as never);
      for (const problem of requestProblems(document, model, request)) failures.push(`${model.id} (${JSON.stringify(input)}): ${problem}`);
      checked++;
    }
  }
  assert.deepEqual(failures, []);
  return checked;
}

describe('importOpenApi on the shop fixture', async () => {
  const result = await importOpenApi({ spec: FIXTURE, id: 'shop' });
  const { model } = result;

  it('reads servers (variables filled in), auth schemes and one action per expressible operation', () => {
    assert.deepEqual(model.servers, ['https://eu.shop.example/api', 'https://sandbox.shop.example/api']);
    assert.deepEqual(model.auth, [
      { scheme: 'apiKey', kind: 'api-key', in: 'header', name: 'X-Api-Key' },
      { scheme: 'token', kind: 'bearer' },
      // Relative token URLs are relative to the (first) server.
      { scheme: 'oauth', kind: 'oauth2-client-credentials', tokenUrl: 'https://eu.shop.example/oauth/token', scopes: ['orders:read', 'orders:write'] },
      {
        scheme: 'oauth',
        kind: 'oauth2-authorization-code',
        authorizationUrl: 'https://login.shop.example/authorize',
        tokenUrl: 'https://login.shop.example/token',
        scopes: ['orders:read'],
      },
    ]);
    assert.deepEqual(model.unsupportedAuth, ['oidc: OpenID Connect (https://login.shop.example/.well-known/openid-configuration)']);
    assert.deepEqual(
      model.actions.map((action) => `${action.id} ${action.method} ${action.path}`),
      [
        'list-orders GET /orders',
        'create-order POST /orders',
        'get-order GET /orders/{orderId}',
        'add-order-note POST /orders/{orderId}/notes',
        'delete-orders-order-id-lines-line-no DELETE /orders/{orderId}/lines/{lineNo}',
        'upload-file PUT /files/{name}',
      ],
    );
    assert.deepEqual(model.warnings, ['POST /reports: request body types text/csv are not JSON, form or multipart; left out']);
  });

  it('converts OpenAPI schema dialect to JSON Schema and shares named schemas as $defs', () => {
    assert.deepEqual(Object.keys(model.definitions), ['Category', 'Line', 'Money', 'NewOrder', 'Order']);
    const newOrder = model.definitions.NewOrder!;
    const properties = newOrder.properties as Record<string, Record<string, unknown>>;
    assert.deepEqual(properties.note, { type: ['string', 'null'] });
    assert.deepEqual(properties.channel, { type: 'string', enum: ['web', 'store'] });
    assert.deepEqual(properties.lines, { type: 'array', minItems: 1, items: { $ref: '#/$defs/Line' } });
    const line = model.definitions.Line!.properties as Record<string, Record<string, unknown>>;
    assert.deepEqual(line.quantity, { type: 'integer', exclusiveMinimum: 0 });
    assert.deepEqual(line.sku, { type: 'string', examples: ['SKU-1'] });
    const createOrder = model.actions.find((action) => action.id === 'create-order')!;
    // Only what the action reaches, recursive Category included once.
    assert.deepEqual(createOrder.inputDefinitions, ['Category', 'Line', 'Money', 'NewOrder']);
    assert.deepEqual(createOrder.outputDefinitions, ['Category', 'Line', 'Money', 'NewOrder', 'Order']);
  });

  it('generates source that type-checks against @weft/sdk', async () => {
    const { dir } = await generate(result);
    const program = ts.createProgram([join(dir, 'connector', 'connector.ts')], {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      strict: true,
      noUncheckedIndexedAccess: true,
      verbatimModuleSyntax: true,
      allowImportingTsExtensions: true,
      noEmit: true,
      skipLibCheck: true,
      // The SDK uses node:crypto; the user's project would have @types/node as ours does.
      types: ['node'],
      typeRoots: [fileURLToPath(new URL('../../../../../node_modules/@types', import.meta.url))],
    });
    const diagnostics = ts.getPreEmitDiagnostics(program).map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
    assert.deepEqual(diagnostics, []);
  });

  it('builds each request from its input: path parameters encoded, query serialized per style, headers as text', async () => {
    const { connector } = await generate(result);
    assert.equal(connector.id, 'shop');
    assert.equal(typeof connector.baseUrl, 'function');
    const baseUrl = connector.baseUrl as (config: Record<string, unknown>) => string;
    assert.equal(baseUrl({}), 'https://eu.shop.example/api');
    assert.equal(baseUrl({ baseUrl: 'https://sandbox.shop.example/api' }), 'https://sandbox.shop.example/api');
    assert.deepEqual(connector.auth.map((scheme) => scheme.kind), ['api-key', 'bearer', 'oauth2-client-credentials', 'oauth2-authorization-code']);
    // Every GET needs input (list-orders a limit and a request id), so none can test a connection.
    assert.equal(connector.testAction, undefined);

    const request = (id: string, input: unknown): DeclarativeRequest => declarative(connector, id).request(input as never);
    assert.deepEqual(
      request('list-orders', {
        query: { status: 'paid', limit: 10, tags: ['a', 'b c'], ids: ['1', '2'], placed: { from: '2026-01-01' } },
        headers: { 'X-Request-Id': '0f8fad5b-d9cb-469f-a165-70867728950e' },
      }),
      {
        method: 'GET',
        path: '/orders',
        query: { status: 'paid', limit: 10, tags: 'a,b c', ids: ['1', '2'], 'placed[from]': '2026-01-01' },
        headers: { 'X-Request-Id': '0f8fad5b-d9cb-469f-a165-70867728950e' },
      },
    );
    const order = { customerEmail: 'a@example.com', lines: [{ sku: 'S', quantity: 1, price: { currency: 'EUR', value: '1.00' } }] };
    assert.deepEqual(request('create-order', { headers: { 'Idempotency-Key': 'k1' }, body: order }), {
      method: 'POST',
      path: '/orders',
      headers: { 'Idempotency-Key': 'k1' },
      body: order,
    });
    assert.deepEqual(request('get-order', { path: { orderId: 'ord_/../x' } }), { method: 'GET', path: '/orders/ord_%2F..%2Fx' });
    assert.deepEqual(request('add-order-note', { path: { orderId: 'ord_12345678' }, body: { Body: 'hi', Pinned: true } }), {
      method: 'POST',
      path: '/orders/ord_12345678/notes',
      body: { Body: 'hi', Pinned: true },
      bodyEncoding: 'form',
    });
    assert.deepEqual(request('delete-orders-order-id-lines-line-no', { path: { orderId: 'ord_12345678', lineNo: 3 } }), {
      method: 'DELETE',
      path: '/orders/ord_12345678/lines/3',
    });
    assert.deepEqual(request('upload-file', { path: { name: 'a b.png' }, body: { file: 'x' } }), {
      method: 'PUT',
      path: '/files/a%20b.png',
      body: { file: 'x' },
      bodyEncoding: 'multipart',
    });
    assert.equal(declarative(connector, 'add-order-note').description, 'Deprecated.');
  });

  it('produces requests that validate against the spec for every action', async () => {
    const { connector } = await generate(result);
    assert.equal(await assertRequestsValidate(FIXTURE, result, connector), model.actions.length * 2);
  });

  it('has a spec check that catches bad requests', async () => {
    const document = (await dereference(FIXTURE)) as unknown as Record<string, unknown>;
    const listOrders = { method: 'GET', path: '/orders' };
    assert.deepEqual(requestProblems(document, listOrders, { method: 'GET', path: '/orders', query: { limit: 1 }, headers: { 'X-Request-Id': '0f8fad5b-d9cb-469f-a165-70867728950e' } }), []);
    assert.deepEqual(requestProblems(document, listOrders, { method: 'GET', path: '/orders', query: { limit: 0, extra: 'x' } }), [
      'query.limit: query.limit must be >= 1',
      'required header X-Request-Id is missing',
      'query parameter extra is not in the spec',
    ]);
    assert.deepEqual(requestProblems(document, { method: 'GET', path: '/orders/{orderId}' }, { method: 'GET', path: '/orders/nope' }), [
      'path.orderId: path.orderId must match pattern "^ord_[a-z0-9]{8}$"',
    ]);
    assert.deepEqual(requestProblems(document, { method: 'POST', path: '/orders/{orderId}/notes' }, { method: 'POST', path: '/orders/ord_12345678/notes', body: { Body: 'x' } }), [
      'the body is sent as json, which the operation does not take (application/x-www-form-urlencoded)',
    ]);
    assert.match(
      requestProblems(document, { method: 'POST', path: '/orders' }, { method: 'POST', path: '/orders', body: { customerEmail: 'x', lines: [] } }).join('\n'),
      /body must match format "email"[\s\S]*body\/lines must NOT have fewer than 1 items|body\/customerEmail must match format "email"/,
    );
  });
});

describe('importOpenApi on Swagger 2', () => {
  const swagger = {
    swagger: '2.0',
    info: { title: 'Legacy CRM', version: '1' },
    host: 'crm.example.com',
    basePath: '/v1/',
    schemes: ['http', 'https'],
    consumes: ['application/json'],
    securityDefinitions: {
      basicAuth: { type: 'basic' },
      oauth: { type: 'oauth2', flow: 'application', tokenUrl: 'https://crm.example.com/oauth/token', scopes: { contacts: 'Contacts' } },
      implicit: { type: 'oauth2', flow: 'implicit', authorizationUrl: 'https://crm.example.com/authorize', scopes: {} },
    },
    definitions: {
      Contact: { type: 'object', required: ['email'], properties: { email: { type: 'string', format: 'email' }, age: { type: 'integer', minimum: 0, exclusiveMinimum: true } } },
    },
    paths: {
      '/contacts': {
        get: {
          operationId: 'contacts.list',
          parameters: [
            { name: 'ids', in: 'query', type: 'array', items: { type: 'integer' }, collectionFormat: 'pipes' },
            { name: 'tag', in: 'query', type: 'array', items: { type: 'string' }, collectionFormat: 'multi' },
          ],
          responses: { 200: { description: 'ok', schema: { type: 'array', items: { $ref: '#/definitions/Contact' } } } },
        },
        post: {
          operationId: 'contacts.create',
          parameters: [{ name: 'contact', in: 'body', required: true, schema: { $ref: '#/definitions/Contact' } }],
          responses: { 201: { description: 'created', schema: { $ref: '#/definitions/Contact' } } },
        },
      },
      '/contacts/{id}/notes': {
        post: {
          operationId: 'contacts.addNote',
          consumes: ['application/x-www-form-urlencoded'],
          parameters: [
            { name: 'id', in: 'path', required: true, type: 'string' },
            { name: 'text', in: 'formData', required: true, type: 'string', maxLength: 10 },
          ],
          responses: { 204: { description: 'added' } },
        },
      },
    },
  };

  it('maps host/basePath/schemes, body and formData parameters, collection formats and securityDefinitions', async () => {
    const result = await importOpenApi({ spec: swagger, id: 'legacy-crm' });
    const { model } = result;
    assert.equal(model.specification, 'Swagger 2.0');
    assert.deepEqual(model.servers, ['https://crm.example.com/v1']);
    assert.deepEqual(model.auth.map((scheme) => scheme.kind), ['basic', 'oauth2-client-credentials']);
    assert.deepEqual(model.unsupportedAuth, ['implicit: OAuth 2 implicit flow']);
    assert.deepEqual(model.definitions.Contact!.properties, { email: { type: 'string', format: 'email' }, age: { type: 'integer', exclusiveMinimum: 0 } });

    const { connector } = await generate(result);
    assert.equal(connector.baseUrl, 'https://crm.example.com/v1');
    // A GET without required input is the connection test.
    assert.equal(connector.testAction, 'contacts-list');
    assert.deepEqual(declarative(connector, 'contacts-list').request({ query: { ids: [1, 2], tag: ['a', 'b'] } } as never).query, { ids: '1|2', tag: ['a', 'b'] });
    assert.deepEqual(declarative(connector, 'contacts-add-note').request({ path: { id: 'c 1' }, body: { text: 'hello' } } as never), {
      method: 'POST',
      path: '/contacts/c%201/notes',
      body: { text: 'hello' },
      bodyEncoding: 'form',
    });
    assert.equal(await assertRequestsValidate(swagger, result, connector), 6);
  });
});

describe('importOpenApi on vendor specs', () => {
  const vendors = [
    { id: 'paypal-orders', file: 'paypal/openapi/checkout_orders_v2.json', actions: 8 },
    { id: 'twilio-messaging', file: 'twilio/spec/json/twilio_messaging_v1.json', actions: 58 },
    { id: 'twilio-api', file: 'twilio/spec/json/twilio_api_v2010.json', actions: 197 },
  ];
  for (const vendor of vendors) {
    const spec = join(SPECS, vendor.file);
    it(`${vendor.id}: every generated action's requests validate against the spec`, { skip: existsSync(spec) ? false : `${spec} not present` }, async () => {
      const started = performance.now();
      const result = await importOpenApi({ spec, id: vendor.id });
      const elapsed = performance.now() - started;
      assert.equal(result.model.actions.length, vendor.actions);
      // Generous: it takes well under a second on a laptop; this catches a blow-up, not a slow machine.
      assert.ok(elapsed < 10_000, `generation took ${Math.round(elapsed)}ms`);
      const { connector } = await generate(result);
      assert.equal(connector.actions.length, vendor.actions);
      await assertRequestsValidate(spec, result, connector);
    });
  }
});

describe('kebabCase and stringMatching', () => {
  it('turns operation ids into action ids', () => {
    assert.equal(kebabCase('orders.track.create'), 'orders-track-create');
    assert.equal(kebabCase('CreateAlphaSender'), 'create-alpha-sender');
    assert.equal(kebabCase('getHTTPStatus'), 'get-http-status');
    assert.equal(kebabCase('post /2010-04-01/Accounts.json'), 'post-2010-04-01-accounts-json');
    assert.equal(kebabCase('2fa_verify'), 'op-2fa-verify');
  });

  it('builds strings that match the patterns vendor specs use', () => {
    for (const pattern of ['^MG[0-9a-fA-F]{32}$', '^((-?[0-9]+)|(-?([0-9]+)?[.][0-9]+))$', '^[2-9A-HJ-NP-Z]{13}$', '^(?:[a-z]{2})(-[A-Z]{2})?$', '^[^\\s]+@x\\.com$']) {
      assert.match(stringMatching(pattern), new RegExp(pattern), pattern);
    }
  });
});
