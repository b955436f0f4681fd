import { cursor, defineAction, schema, type Infer } from '@weft/sdk';
import { customer } from './stripe.schemas.ts';

interface CustomerList {
  data: { id: string }[];
  has_more: boolean;
}

export const listCustomers = defineAction({
  id: 'list-customers',
  name: 'List customers',
  description: 'GET /v1/customers, newest first, every page (Stripe pages with starting_after = the last id of a page).',
  input: schema.Object({
    email: schema.Optional(schema.String({ maxLength: 512, description: 'Only customers with exactly this email (case-sensitive).' })),
    limit: schema.Optional(schema.Integer({ minimum: 1, maximum: 100, default: 10, description: 'Page size.' })),
  }),
  output: schema.Object({ customers: schema.Array(customer) }),
  request: ({ email, limit }) => ({ method: 'GET', path: '/v1/customers', query: { email, limit } }),
  pagination: cursor({
    cursorParam: 'starting_after',
    items: (body) => (body as CustomerList).data,
    nextCursor: (body) => {
      const { data, has_more: hasMore } = body as CustomerList;
      return hasMore ? data.at(-1)?.id : undefined;
    },
  }),
  // With pagination, raw is every page's items in one array.
  response: (items) => ({ customers: items as Infer<typeof customer>[] }),
});
