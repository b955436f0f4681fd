import { defineAction, schema, type Infer } from '@weft/sdk';
import { accountFor, transactionHeaders } from './fedex.account.ts';
import { fedexErrors } from './fedex.errors.ts';
import { accountNumber, cancelShipmentOutput, customerTransactionId } from './fedex.schemas.ts';

export const cancelShipment = defineAction({
  id: 'cancel-shipment',
  name: 'Cancel shipment',
  description: 'PUT /ship/v1/shipments/cancel: voids a shipment booked on the account, by its tracking number.',
  input: schema.Object({
    trackingNumber: schema.String({ minLength: 1, description: 'The master tracking number cancels every package of the shipment.' }),
    accountNumber: schema.Optional(accountNumber),
    senderCountryCode: schema.Optional(schema.String({ pattern: '^[A-Z]{2}$' })),
    deletionControl: schema.Optional(schema.Literal('DELETE_ALL_PACKAGES')),
    customerTransactionId,
  }),
  output: cancelShipmentOutput,
  errors: fedexErrors,
  // Code rather than a declarative request: the account number defaults to the connection's config.
  async run({ input, http, connection }) {
    const { customerTransactionId: transactionId, accountNumber: given, ...cancel } = input;
    const response = await http.request({
      method: 'PUT',
      path: '/ship/v1/shipments/cancel',
      headers: transactionHeaders(transactionId),
      body: { ...cancel, accountNumber: accountFor(given, connection.config) },
    });
    return response.body as Infer<typeof cancelShipmentOutput>;
  },
});
