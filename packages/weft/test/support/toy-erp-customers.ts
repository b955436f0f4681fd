import { defineAction, schema } from '@weft/sdk';

/**
 * The toy ERP's customer create, shared by the cross-reference tests: POST /customers with an
 * email, answering the customer's id, which the step links to its source record (`xref`).
 * Each test's ERP server decides whether a POST makes a new customer or answers an existing one.
 */
export const createCustomer = defineAction({
  id: 'create-customer',
  name: 'Create customer',
  input: schema.Object({ email: schema.String() }),
  output: schema.Object({ customerId: schema.String() }),
  xref: { entity: 'customer', id: (output) => output.customerId },
  request: (input) => ({ method: 'POST', path: '/customers', body: input }),
});
