import { defineAction, graphqlConnection, schema, type Infer } from '@weft/sdk';
import { adminErrors, adminRequest } from './admin-graphql.ts';
import { variant } from './shopify.schemas.ts';

export const LIST_VARIANTS_BY_SKU = /* GraphQL */ `
  query ListVariantsBySku($first: Int!, $after: String, $query: String!) {
    productVariants(first: $first, after: $after, query: $query) {
      nodes {
        id
        sku
        title
        displayName
        price
        inventoryQuantity
        product { id title }
        inventoryItem { id }
      }
      pageInfo { hasNextPage endCursor }
    }
  }
`;

export const listVariantsBySku = defineAction({
  id: 'list-variants-by-sku',
  name: 'List variants by SKU',
  description:
    'The product variants with any of the SKUs, with their product and inventory item (the id set-inventory-quantities takes). A SKU that matches nothing is simply absent; Shopify does not require SKUs to be unique, so one may match several variants.',
  input: schema.Object({
    skus: schema.Array(schema.String({ minLength: 1, maxLength: 255, pattern: `^[^'"\\\\]+$`, description: 'Quotes and backslashes cannot be searched for.' }), {
      minItems: 1,
      maxItems: 50,
    }),
    pageSize: schema.Optional(schema.Integer({ minimum: 1, maximum: 250, default: 100, description: 'Variants a page.' })),
  }),
  output: schema.Object({ variants: schema.Array(variant) }),
  request: ({ skus, pageSize = 100 }) => adminRequest(LIST_VARIANTS_BY_SKU, { first: pageSize, query: skus.map((sku) => `sku:'${sku}'`).join(' OR ') }),
  pagination: graphqlConnection({ connectionPath: (data) => (data as { productVariants: never }).productVariants }),
  errors: (response) => adminErrors(response),
  response: (items) => ({ variants: items as Infer<typeof variant>[] }),
});
