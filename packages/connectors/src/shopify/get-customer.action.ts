import { defineAction, schema, type Infer } from '@weft/sdk';
import { adminErrors, adminRequest, dataOf } from './admin-graphql.ts';
import { customer, gid } from './shopify.schemas.ts';

export const CUSTOMER_FIELDS = /* GraphQL */ `
  id
  legacyResourceId
  firstName
  lastName
  displayName
  email
  phone
  note
  tags
  state
  defaultAddress { firstName lastName address1 address2 city provinceCode zip countryCodeV2 phone company }
  createdAt
  updatedAt
`;

export const GET_CUSTOMER = /* GraphQL */ `
  query GetCustomer($id: ID!) {
    customer(id: $id) {
      ${CUSTOMER_FIELDS}
    }
  }
`;

export const getCustomer = defineAction({
  id: 'get-customer',
  name: 'Get customer',
  description: 'One customer by id. An unknown id is a NotFoundError.',
  input: schema.Object({ id: gid('Customer') }),
  output: customer,
  request: ({ id }) => adminRequest(GET_CUSTOMER, { id }),
  errors: (response) => adminErrors(response, { field: 'customer', what: 'customer' }),
  response: (raw) => dataOf<{ customer: Infer<typeof customer> }>(raw).customer,
});
