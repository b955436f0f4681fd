import { defineAction, schema, type Infer } from '@weft/sdk';
import { adminErrors, adminRequest, dataOf, nodesOf } from './admin-graphql.ts';
import { gid, order } from './shopify.schemas.ts';

export const ORDER_FIELDS = /* GraphQL */ `
  id
  legacyResourceId
  name
  email
  createdAt
  updatedAt
  cancelledAt
  displayFinancialStatus
  displayFulfillmentStatus
  currencyCode
  tags
  totalPriceSet { shopMoney { amount currencyCode } presentmentMoney { amount currencyCode } }
  customer { id email }
`;

export const GET_ORDER = /* GraphQL */ `
  query GetOrder($id: ID!) {
    order(id: $id) {
      ${ORDER_FIELDS}
      phone
      processedAt
      cancelReason
      note
      subtotalPriceSet { shopMoney { amount currencyCode } presentmentMoney { amount currencyCode } }
      shippingAddress { firstName lastName address1 address2 city provinceCode zip countryCodeV2 phone company }
      lineItems(first: 50) {
        nodes {
          id
          name
          sku
          quantity
          currentQuantity
          originalUnitPriceSet { shopMoney { amount currencyCode } presentmentMoney { amount currencyCode } }
          variant { id }
        }
      }
    }
  }
`;

type RawOrder = Omit<Infer<typeof order>, 'lineItems'> & { lineItems: { nodes: Infer<typeof order>['lineItems'] } };

export const getOrder = defineAction({
  id: 'get-order',
  name: 'Get order',
  description: 'The order with its first 50 lines, customer and shipping address. An unknown id is a NotFoundError.',
  input: schema.Object({ id: gid('Order') }),
  output: order,
  request: ({ id }) => adminRequest(GET_ORDER, { id }),
  errors: (response) => adminErrors(response, { field: 'order', what: 'order' }),
  response: (raw) => {
    const found = dataOf<{ order: RawOrder }>(raw).order;
    return { ...found, lineItems: nodesOf(found.lineItems) };
  },
});
