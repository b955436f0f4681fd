import { defineAction, schema, type Infer } from '@weft/sdk';
import { adminErrors, adminRequest, dataOf } from './admin-graphql.ts';
import { INVENTORY_REASONS, SETTABLE_QUANTITY_NAMES } from './shopify.fixtures.ts';
import { gid, inventoryAdjustmentGroup } from './shopify.schemas.ts';

export const SET_INVENTORY_QUANTITIES = /* GraphQL */ `
  mutation SetInventoryQuantities($input: InventorySetQuantitiesInput!) {
    inventorySetQuantities(input: $input) {
      inventoryAdjustmentGroup {
        id
        createdAt
        reason
        referenceDocumentUri
        changes { name delta quantityAfterChange item { id sku } location { id } }
      }
      userErrors { field message code }
    }
  }
`;

export const setInventoryQuantities = defineAction({
  id: 'set-inventory-quantities',
  name: 'Set inventory quantities',
  description:
    'inventorySetQuantities: sets absolute quantities (not deltas) of items at locations, without a compare-and-set check, so sending the same quantities again changes nothing: safe to retry. Each change is recorded under the reason given.',
  input: schema.Object({
    name: schema.Optional(schema.Union(SETTABLE_QUANTITY_NAMES.map((name) => schema.Literal(name)), { default: 'available', description: 'The quantity to set.' })),
    reason: schema.Optional(schema.Union(INVENTORY_REASONS.map((reason) => schema.Literal(reason)), { default: 'correction', description: 'Recorded with the change.' })),
    referenceDocumentUri: schema.Optional(
      schema.String({ minLength: 1, maxLength: 255, description: 'What caused the change, as a URI, e.g. gid://weft/Sync/2026-01-01 or an ERP document.' }),
    ),
    quantities: schema.Array(
      schema.Object({
        inventoryItemId: gid('InventoryItem'),
        locationId: gid('Location'),
        quantity: schema.Integer({ minimum: -1_000_000_000, maximum: 1_000_000_000 }),
      }),
      { minItems: 1, maxItems: 250 },
    ),
  }),
  output: inventoryAdjustmentGroup,
  request: ({ name = 'available', reason = 'correction', referenceDocumentUri, quantities }) =>
    adminRequest(SET_INVENTORY_QUANTITIES, {
      input: { name, reason, quantities, ignoreCompareQuantity: true, ...(referenceDocumentUri === undefined ? {} : { referenceDocumentUri }) },
    }),
  errors: (response) => adminErrors(response),
  response: (raw) =>
    dataOf<{ inventorySetQuantities: { inventoryAdjustmentGroup: Infer<typeof inventoryAdjustmentGroup> } }>(raw).inventorySetQuantities.inventoryAdjustmentGroup,
});
