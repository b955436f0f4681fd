import { defineAction, schema, type Infer } from '@weft/sdk';
import { accountFor, transactionHeaders } from './fedex.account.ts';
import { fedexErrors } from './fedex.errors.ts';
import { accountNumber, createShipmentOutput, customerTransactionId, labelResponseOption, requestedShipment } from './fedex.schemas.ts';

export const createShipment = defineAction({
  id: 'create-shipment',
  name: 'Create shipment',
  description:
    'POST /ship/v1/shipments: books the shipment and returns its tracking numbers and labels. FedEx has no idempotency key, so a retried create is kept from booking twice by the shipment cross-reference (xref).',
  input: schema.Object({
    accountNumber: schema.Optional(accountNumber),
    labelResponseOptions: labelResponseOption,
    requestedShipment,
    customerTransactionId,
  }),
  output: createShipmentOutput,
  errors: fedexErrors,
  xref: { entity: 'shipment', id: (output) => output.output.transactionShipments[0]?.masterTrackingNumber },
  // Code rather than a declarative request: the account number defaults to the connection's config.
  async run({ input, http, connection }) {
    const { customerTransactionId: transactionId, accountNumber: given, ...shipment } = input;
    const response = await http.request({
      method: 'POST',
      path: '/ship/v1/shipments',
      headers: transactionHeaders(transactionId),
      body: { ...shipment, accountNumber: accountFor(given, connection.config) },
    });
    return response.body as Infer<typeof createShipmentOutput>;
  },
});
