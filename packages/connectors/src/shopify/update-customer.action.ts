import { defineAction, schema, type Infer } from '@weft/sdk';
import { adminErrors, adminRequest, dataOf } from './admin-graphql.ts';
import { CUSTOMER_FIELDS } from './get-customer.action.ts';
import { customer, customerFields, gid } from './shopify.schemas.ts';

export const UPDATE_CUSTOMER = /* GraphQL */ `
  mutation UpdateCustomer($input: CustomerInput!) {
    customerUpdate(input: $input) {
      customer {
        ${CUSTOMER_FIELDS}
      }
      userErrors { field message }
    }
  }
`;

export const updateCustomer = defineAction({
  id: 'update-customer',
  name: 'Update customer',
  description: 'customerUpdate: sets the fields given and leaves the others. tags and addresses replace the lists. An unknown id is a ValidationError on `id`.',
  input: schema.Object({ id: gid('Customer'), ...customerFields }),
  output: customer,
  request: (input) => adminRequest(UPDATE_CUSTOMER, { input }),
  errors: (response) => adminErrors(response),
  response: (raw) => dataOf<{ customerUpdate: { customer: Infer<typeof customer> } }>(raw).customerUpdate.customer,
});
