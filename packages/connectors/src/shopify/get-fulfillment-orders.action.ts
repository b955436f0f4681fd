import { defineAction, schema, type Infer } from '@weft/sdk';
import { adminErrors, adminRequest, dataOf, nodesOf } from './admin-graphql.ts';
import { fulfillmentOrder, gid } from './shopify.schemas.ts';

export const GET_FULFILLMENT_ORDERS = /* GraphQL */ `
  query GetFulfillmentOrders($id: ID!) {
    order(id: $id) {
      id
      fulfillmentOrders(first: 10) {
        nodes {
          id
          status
          createdAt
          updatedAt
          assignedLocation { name location { id } }
          lineItems(first: 25) {
            nodes { id sku totalQuantity remainingQuantity inventoryItemId }
          }
        }
      }
    }
  }
`;

type FulfillmentOrder = Infer<typeof fulfillmentOrder>;
type RawFulfillmentOrder = Omit<FulfillmentOrder, 'lineItems'> & { lineItems: { nodes: FulfillmentOrder['lineItems'] } };

export const getFulfillmentOrders = defineAction({
  id: 'get-fulfillment-orders',
  name: 'Get fulfillment orders',
  description:
    "An order's fulfillment orders (the first 10, each with its first 25 lines): what create-fulfillment fulfills. Only OPEN and IN_PROGRESS ones can be fulfilled. An unknown order is a NotFoundError.",
  input: schema.Object({ orderId: gid('Order') }),
  output: schema.Object({ orderId: gid('Order'), fulfillmentOrders: schema.Array(fulfillmentOrder) }),
  request: ({ orderId }) => adminRequest(GET_FULFILLMENT_ORDERS, { id: orderId }),
  errors: (response) => adminErrors(response, { field: 'order', what: 'order' }),
  response: (raw) => {
    const { order } = dataOf<{ order: { id: string; fulfillmentOrders: { nodes: RawFulfillmentOrder[] } } }>(raw);
    return {
      orderId: order.id,
      fulfillmentOrders: nodesOf(order.fulfillmentOrders).map((fo) => ({ ...fo, lineItems: nodesOf(fo.lineItems) })),
    };
  },
});
