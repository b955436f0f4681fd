import { defineAction, schema } from '@weft/sdk';
import { quickbooksError } from './fault-errors.ts';
import { ACCEPT_JSON, calendarDate, commonQuery, idempotencyKey, minorversion, paymentResponse, ref } from './quickbooks.schemas.ts';

export const createPayment = defineAction({
  id: 'create-payment',
  name: 'Create payment',
  description:
    'POST /v3/company/{realmId}/payment: money received from a customer, applied to invoices through Line[].LinkedTxn ({ TxnId: invoice Id, TxnType: "Invoice" }); what no line applies stays as UnappliedAmt. Applying more than an invoice\'s Balance is refused (6000). Pass idempotencyKey so a retried create records the payment once.',
  input: schema.Object(
    {
      CustomerRef: ref,
      TotalAmt: schema.Number({ exclusiveMinimum: 0 }),
      Line: schema.Optional(
        schema.Array(
          schema.Object(
            {
              Amount: schema.Number({ exclusiveMinimum: 0 }),
              LinkedTxn: schema.Array(schema.Object({ TxnId: schema.String({ minLength: 1 }), TxnType: schema.Literal('Invoice') }, { additionalProperties: false }), {
                minItems: 1,
                maxItems: 1,
              }),
            },
            { additionalProperties: false },
          ),
        ),
      ),
      TxnDate: schema.Optional(calendarDate()),
      PaymentRefNum: schema.Optional(schema.String({ maxLength: 21, description: 'The check number or processor reference.' })),
      PrivateNote: schema.Optional(schema.String({ maxLength: 4000 })),
      CurrencyRef: schema.Optional(ref),
      minorversion,
      idempotencyKey,
    },
    { additionalProperties: false },
  ),
  output: paymentResponse,
  request: ({ minorversion: version, idempotencyKey: key, ...payment }) => ({
    method: 'POST',
    path: '/payment',
    headers: { ...ACCEPT_JSON },
    query: commonQuery({ minorversion: version, idempotencyKey: key }),
    body: payment,
  }),
  errors: quickbooksError,
  xref: { entity: 'payment', id: (output) => output.Payment.Id },
});
