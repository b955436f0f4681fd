import { defineAction, schema, type Infer } from '@weft/sdk';
import { quickbooksError } from './fault-errors.ts';
import { QUERY_PAGE } from './quickbooks.fixtures.ts';
import { ACCEPT_JSON, commonQuery, customer, minorversion, pageSize } from './quickbooks.schemas.ts';
import { queryPages, selectStatement, type Condition } from './query-language.ts';

export const queryCustomers = defineAction({
  id: 'query-customers',
  name: 'Query customers',
  description:
    "GET /v3/company/{realmId}/query with `select * from Customer where … STARTPOSITION n MAXRESULTS m`, every page. Like QuickBooks itself, returns active customers only unless `active` says otherwise; string matches ignore case.",
  input: schema.Object(
    {
      displayName: schema.Optional(schema.String({ minLength: 1, description: 'Only the customer with exactly this DisplayName.' })),
      email: schema.Optional(schema.String({ minLength: 1, description: 'Only customers with this PrimaryEmailAddr.' })),
      active: schema.Optional(schema.Boolean({ description: 'false: only inactive (deleted) customers.' })),
      updatedSince: schema.Optional(schema.String({ description: 'ISO 8601; only customers with MetaData.LastUpdatedTime at or after it.' })),
      pageSize,
      minorversion,
    },
    { additionalProperties: false },
  ),
  output: schema.Object({ customers: schema.Array(customer) }),
  request: ({ displayName, email, active, updatedSince, pageSize: max, minorversion: version }) => {
    const conditions: Condition[] = [];
    if (displayName !== undefined) conditions.push(['DisplayName', '=', displayName]);
    if (email !== undefined) conditions.push(['PrimaryEmailAddr', '=', email]);
    if (active !== undefined) conditions.push(['Active', '=', active]);
    if (updatedSince !== undefined) conditions.push(['MetaData.LastUpdatedTime', '>=', updatedSince]);
    const query = selectStatement('Customer', conditions, { start: 1, max: max ?? QUERY_PAGE.default });
    return { method: 'GET', path: '/query', headers: { ...ACCEPT_JSON }, query: { query, ...commonQuery({ minorversion: version }) } };
  },
  pagination: queryPages('Customer'),
  response: (items) => ({ customers: items as Infer<typeof customer>[] }),
  errors: quickbooksError,
});
