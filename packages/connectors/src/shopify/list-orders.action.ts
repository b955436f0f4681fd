import { defineAction, graphqlConnection, schema, type Infer } from '@weft/sdk';
import { adminErrors, adminRequest } from './admin-graphql.ts';
import { ORDER_FIELDS } from './get-order.action.ts';
import { orderSummary } from './shopify.schemas.ts';

export const LIST_ORDERS = /* GraphQL */ `
  query ListOrders($first: Int!, $after: String, $query: String) {
    orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {
      nodes {
        ${ORDER_FIELDS}
        subtotalPriceSet { shopMoney { amount currencyCode } }
      }
      pageInfo { hasNextPage endCursor }
    }
  }
`;

const dateTime = (description: string) => schema.Optional(schema.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}:\\d{2})$', description }));

export const listOrders = defineAction({
  id: 'list-orders',
  name: 'List orders',
  description:
    'Orders updated within a window, oldest update first, every page (cursor pagination). Each order is a summary without its lines; get-order reads one whole.',
  input: schema.Object({
    updatedAtMin: dateTime('Only orders updated at or after this instant (ISO 8601).'),
    updatedAtMax: dateTime('Only orders updated at or before this instant (ISO 8601).'),
    pageSize: schema.Optional(
      schema.Integer({ minimum: 1, maximum: 250, default: 50, description: 'Orders a page. Each order costs about 7 query points, so 50 a page asks for 352.' }),
    ),
  }),
  output: schema.Object({ orders: schema.Array(orderSummary) }),
  request: ({ updatedAtMin, updatedAtMax, pageSize = 50 }) => {
    const terms = [
      ...(updatedAtMin === undefined ? [] : [`updated_at:>='${updatedAtMin}'`]),
      ...(updatedAtMax === undefined ? [] : [`updated_at:<='${updatedAtMax}'`]),
    ];
    return adminRequest(LIST_ORDERS, { first: pageSize, ...(terms.length === 0 ? {} : { query: terms.join(' AND ') }) });
  },
  pagination: graphqlConnection({ connectionPath: (data) => (data as { orders: never }).orders }),
  errors: (response) => adminErrors(response),
  response: (items) => ({ orders: items as Infer<typeof orderSummary>[] }),
});
