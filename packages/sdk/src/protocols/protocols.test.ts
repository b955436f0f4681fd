import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  AuthError,
  buildEnvelope,
  defineAction,
  encodeForm,
  encodeMultipart,
  graphqlError,
  graphqlRequest,
  parseEnvelope,
  parseMultipart,
  RateLimitedError,
  schema,
  soapError,
  soapHeaders,
  type HttpResponse,
  type SoapFault,
} from '../index.ts';

// The README's protocol examples, through the public entry point, so the two cannot drift apart.
describe('the protocol helpers (README examples)', () => {
  it('encodes the Stripe form example', () => {
    assert.equal(
      encodeForm({ line_items: [{ price: 'price_1Mx', quantity: 2 }], metadata: { order_id: '6735' }, expand: ['customer'], description: null }),
      'line_items[0][price]=price_1Mx&line_items[0][quantity]=2&metadata[order_id]=6735&expand[0]=customer&description=',
    );
  });

  it('encodes the multipart example', () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47]);
    const parts = [
      { name: 'purpose', value: 'dispute_evidence' },
      { name: 'file', value: { filename: 'receipt.png', contentType: 'image/png', data: png } },
    ];
    const { body, contentType } = encodeMultipart(parts);
    assert.deepEqual(parseMultipart(body, contentType), parts);
  });

  it('declares a GraphQL action whose errors hook reads errors inside a 200', () => {
    const getOrder = defineAction({
      id: 'get-order',
      name: 'Get order',
      input: schema.Object({ id: schema.String() }),
      output: schema.Object({ name: schema.String() }),
      request: ({ id }) => graphqlRequest({ path: '/admin/api/2025-01/graphql.json', query: 'query($id: ID!) { order(id: $id) { name } }', variables: { id } }),
      response: (raw) => (raw as { data: { order: { name: string } } }).data.order,
      errors: (response) => graphqlError(response),
    });
    assert.ok(getOrder.kind === 'declarative');
    assert.deepEqual(getOrder.request({ id: 'gid://shopify/Order/1' }).body, {
      query: 'query($id: ID!) { order(id: $id) { name } }',
      variables: { id: 'gid://shopify/Order/1' },
    });
    const ok = { data: { order: { name: '#1001' } } };
    assert.equal(getOrder.errors?.({ status: 200, headers: {}, body: ok, text: JSON.stringify(ok) }), undefined);
    assert.deepEqual(getOrder.response?.(ok), { name: '#1001' });
    const throttled = {
      errors: [{ message: 'Throttled', extensions: { code: 'THROTTLED' } }],
      extensions: { cost: { requestedQueryCost: 302, actualQueryCost: null, throttleStatus: { maximumAvailable: 2000, currentlyAvailable: 2, restoreRate: 100 } } },
    };
    const error = getOrder.errors?.({ status: 200, headers: {}, body: throttled, text: JSON.stringify(throttled) });
    assert.ok(error instanceof RateLimitedError);
    assert.equal(error.retryAfterMs, 3000);
  });

  it('builds the NetSuite request and classifies its faults with the hook', () => {
    const request = {
      method: 'POST',
      path: '/services/NetSuitePort_2023_2',
      headers: soapHeaders('1.1', 'get'),
      body: buildEnvelope({
        version: '1.1',
        namespaces: {
          xsi: 'http://www.w3.org/2001/XMLSchema-instance',
          platformMsgs: 'urn:messages_2023_2.platform.webservices.netsuite.com',
          platformCore: 'urn:core_2023_2.platform.webservices.netsuite.com',
        },
        body: { 'platformMsgs:get': { 'platformMsgs:baseRef': { '@_xsi:type': 'platformCore:RecordRef', '@_internalId': '1042', '@_type': 'customer' } } },
      }),
    };
    assert.equal(request.headers['soapaction'], '"get"');
    assert.match(request.body, /<platformMsgs:baseRef xsi:type="platformCore:RecordRef" internalId="1042" type="customer"\/>/);

    const netsuiteFaults = (fault: SoapFault, status?: number) => {
      const detail = (fault.detail ?? {}) as Record<string, { code?: string }>;
      const code = Object.values(detail).find((entry) => typeof entry?.code === 'string')?.code;
      if (code === 'INVALID_LOGIN_CREDENTIALS') return new AuthError('ERR_NETSUITE_INVALID_LOGIN', { status });
      if (code === 'WS_CONCUR_SESSION_DISALLWD') return new RateLimitedError('ERR_NETSUITE_CONCURRENCY', { status, retryAfterMs: 1000 });
      return undefined;
    };
    const fault = (code: string): HttpResponse => {
      const text = `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><soapenv:Fault><faultcode>soapenv:Server.userException</faultcode><faultstring>no</faultstring><detail><f:someFault xmlns:f="urn:faults_2023_2.platform.webservices.netsuite.com"><f:code>${code}</f:code></f:someFault></detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>`;
      return { status: 500, headers: {}, body: text, text };
    };
    assert.ok(soapError(fault('INVALID_LOGIN_CREDENTIALS'), { classifyFault: netsuiteFaults }) instanceof AuthError);
    assert.ok(soapError(fault('WS_CONCUR_SESSION_DISALLWD'), { classifyFault: netsuiteFaults }) instanceof RateLimitedError);
    assert.equal(soapError(fault('UNEXPECTED_ERROR'), { classifyFault: netsuiteFaults })?.code, 'ERR_SOAP_SERVER_FAULT');

    const response = `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><getResponse xmlns="urn:messages_2023_2.platform.webservices.netsuite.com"><readResponse><record internalId="1042"/></readResponse></getResponse></soapenv:Body></soapenv:Envelope>`;
    assert.deepEqual(parseEnvelope(response, { arrays: ['record'] }).body, { getResponse: { readResponse: { record: [{ '@_internalId': '1042' }] } } });
  });
});
