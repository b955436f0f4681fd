import { defineAction, schema, type Infer } from '@weft/sdk';
import { adminErrors, adminRequest, dataOf } from './admin-graphql.ts';
import { CUSTOMER_FIELDS } from './get-customer.action.ts';
import { customer, customerFields } from './shopify.schemas.ts';

export const CREATE_CUSTOMER = /* GraphQL */ `
  mutation CreateCustomer($input: CustomerInput!) {
    customerCreate(input: $input) {
      customer {
        ${CUSTOMER_FIELDS}
      }
      userErrors { field message }
    }
  }
`;

export const createCustomer = defineAction({
  id: 'create-customer',
  name: 'Create customer',
  description:
    'customerCreate. Shopify takes no idempotency key and refuses a second customer with the same email ("Email has already been taken", a ValidationError), so a repeated create cannot make a duplicate of a customer with an email.',
  input: schema.Object(customerFields),
  output: customer,
  xref: { entity: 'customer', id: (created) => created.id },
  request: (input) => adminRequest(CREATE_CUSTOMER, { input }),
  errors: (response) => adminErrors(response),
  response: (raw) => dataOf<{ customerCreate: { customer: Infer<typeof customer> } }>(raw).customerCreate.customer,
});
