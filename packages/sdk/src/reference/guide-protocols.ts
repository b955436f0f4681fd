// Protocol samples for docs/guides/writing-a-connector.md (shown verbatim from the regions
// below; guide-example.test.ts checks what each one sends and how it reads the answers).

// #region form-action
import { buildEnvelope, defineAction, graphqlError, graphqlRequest, parseEnvelope, schema, soapError, soapHeaders } from '@weft/sdk';

// Stripe style: nested objects and arrays become bracketed keys (metadata[order_id]=6735).
export const createCharge = defineAction({
  id: 'create-charge',
  name: 'Create charge',
  input: schema.Object({ amount: schema.Integer({ minimum: 1 }), currency: schema.String(), metadata: schema.Record(schema.String(), schema.String()) }),
  output: schema.Object({ id: schema.String() }),
  request: (input) => ({ method: 'POST', path: '/v1/charges', bodyEncoding: 'form', body: input }),
});
// #endregion

// #region multipart-action
export const uploadEvidence = defineAction({
  id: 'upload-evidence',
  name: 'Upload dispute evidence',
  input: schema.Object({ filename: schema.String(), base64: schema.String({ contentEncoding: 'base64' }) }),
  output: schema.Object({ id: schema.String() }),
  request: ({ filename, base64 }) => ({
    method: 'POST',
    path: '/v1/files',
    bodyEncoding: 'multipart',
    body: [
      { name: 'purpose', value: 'dispute_evidence' },
      { name: 'file', value: { filename, contentType: 'application/pdf', data: Buffer.from(base64, 'base64') } },
    ],
  }),
});
// #endregion

// #region graphql-action
export const getOrder = defineAction({
  id: 'get-order',
  name: 'Get order',
  input: schema.Object({ id: schema.String() }),
  output: schema.Object({ name: schema.String() }),
  request: ({ id }) =>
    graphqlRequest({ path: '/admin/api/2025-01/graphql.json', query: 'query($id: ID!) { order(id: $id) { name } }', variables: { id } }),
  response: (raw) => (raw as { data: { order: { name: string } } }).data.order,
  // GraphQL fails inside a 200: THROTTLED, UNAUTHENTICATED, userErrors… become error classes.
  errors: (response) => graphqlError(response),
});
// #endregion

// #region soap-action
const NS = { xsi: 'http://www.w3.org/2001/XMLSchema-instance', msgs: 'urn:messages_2023_2.platform.webservices.netsuite.com' };

export const getCustomerRecord = defineAction({
  id: 'get-customer-record',
  name: 'Get customer record',
  input: schema.Object({ internalId: schema.String() }),
  output: schema.Object({ record: schema.Unknown() }),
  request: ({ internalId }) => ({
    method: 'POST',
    path: '/services/NetSuitePort_2023_2',
    headers: soapHeaders('1.1', 'get'),
    bodyEncoding: 'raw',
    body: buildEnvelope({ version: '1.1', namespaces: NS, body: { 'msgs:get': { 'msgs:baseRef': { '@_internalId': internalId, '@_type': 'customer' } } } }),
  }),
  // parseEnvelope refuses DOCTYPE/ENTITY (billion laughs, XXE), oversized and over-deep documents.
  response: (raw) => ({ record: (parseEnvelope(raw as string, { arrays: ['record'] }).body as Record<string, unknown>).getResponse }),
  // SOAP 1.1 sends faults as HTTP 500; read the fault instead of retrying every 500.
  errors: (response) => soapError(response),
});
// #endregion
