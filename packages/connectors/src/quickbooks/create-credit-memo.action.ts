import { defineAction, schema } from '@weft/sdk';
import { invoiceFields } from './create-invoice.action.ts';
import { quickbooksError } from './fault-errors.ts';
import { ACCEPT_JSON, commonQuery, creditMemoResponse, idempotencyKey, minorversion } from './quickbooks.schemas.ts';

export const createCreditMemo = defineAction({
  id: 'create-credit-memo',
  name: 'Create credit memo',
  description:
    "POST /v3/company/{realmId}/creditmemo: a credit owed to a customer, which is how a refund is recorded in QuickBooks' books (its lines name the items returned). Pass idempotencyKey so a retried create records the credit once.",
  input: schema.Object({ ...invoiceFields, minorversion, idempotencyKey }, { additionalProperties: false }),
  output: creditMemoResponse,
  request: ({ minorversion: version, idempotencyKey: key, ...memo }) => ({
    method: 'POST',
    path: '/creditmemo',
    headers: { ...ACCEPT_JSON },
    query: commonQuery({ minorversion: version, idempotencyKey: key }),
    body: memo,
  }),
  errors: quickbooksError,
  xref: { entity: 'refund', id: (output) => output.CreditMemo.Id },
});
