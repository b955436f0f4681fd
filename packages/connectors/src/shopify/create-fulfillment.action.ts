import { defineAction, schema, type Infer } from '@weft/sdk';
import { adminErrors, adminRequest, dataOf } from './admin-graphql.ts';
import { fulfillment, gid } from './shopify.schemas.ts';

export const CREATE_FULFILLMENT = /* GraphQL */ `
  mutation CreateFulfillment($fulfillment: FulfillmentInput!, $message: String) {
    fulfillmentCreate(fulfillment: $fulfillment, message: $message) {
      fulfillment {
        id
        name
        status
        createdAt
        totalQuantity
        trackingInfo { company number url }
      }
      userErrors { field message }
    }
  }
`;

export const createFulfillment = defineAction({
  id: 'create-fulfillment',
  name: 'Create fulfillment',
  description:
    'fulfillmentCreate on fulfillment orders of one order, with tracking. Without fulfillmentOrderLineItems every remaining line of that fulfillment order ships. A fulfillment order already fulfilled is refused (a ValidationError), so a repeat cannot ship twice.',
  input: schema.Object({
    lineItemsByFulfillmentOrder: schema.Array(
      schema.Object({
        fulfillmentOrderId: gid('FulfillmentOrder'),
        fulfillmentOrderLineItems: schema.Optional(
          schema.Array(schema.Object({ id: gid('FulfillmentOrderLineItem'), quantity: schema.Integer({ minimum: 1 }) }), { minItems: 1 }),
        ),
      }),
      { minItems: 1 },
    ),
    trackingInfo: schema.Optional(
      schema.Object({
        number: schema.Optional(schema.String({ minLength: 1 })),
        company: schema.Optional(schema.String({ minLength: 1, description: "A carrier Shopify knows (e.g. 'FedEx', 'UPS', 'DHL Express') gets a tracking link of its own." })),
        url: schema.Optional(schema.String({ pattern: '^https?://' })),
      }),
    ),
    notifyCustomer: schema.Optional(schema.Boolean({ default: false, description: 'Email the buyer the shipping confirmation.' })),
    message: schema.Optional(schema.String({ description: 'A note kept with the fulfillment.' })),
  }),
  output: fulfillment,
  xref: { entity: 'shipment', id: (created) => created.id },
  request: ({ message, ...input }) =>
    adminRequest(CREATE_FULFILLMENT, { fulfillment: { notifyCustomer: false, ...input }, ...(message === undefined ? {} : { message }) }),
  errors: (response) => adminErrors(response),
  response: (raw) => dataOf<{ fulfillmentCreate: { fulfillment: Infer<typeof fulfillment> } }>(raw).fulfillmentCreate.fulfillment,
});
