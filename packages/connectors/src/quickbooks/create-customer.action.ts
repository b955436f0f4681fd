import { defineAction, schema } from '@weft/sdk';
import { quickbooksError } from './fault-errors.ts';
import { ACCEPT_JSON, commonQuery, customerResponse, emailAddress, idempotencyKey, minorversion, physicalAddress, ref, telephoneNumber } from './quickbooks.schemas.ts';

export const createCustomer = defineAction({
  id: 'create-customer',
  name: 'Create customer',
  description:
    'POST /v3/company/{realmId}/customer. DisplayName must be unique among customers, vendors and employees (6240, a conflict); without it, QuickBooks builds one from Title, GivenName, MiddleName, FamilyName and Suffix. Pass idempotencyKey so a retried create returns the first customer.',
  input: schema.Object(
    {
      DisplayName: schema.Optional(schema.String({ minLength: 1, maxLength: 500 })),
      Title: schema.Optional(schema.String({ maxLength: 16 })),
      GivenName: schema.Optional(schema.String({ maxLength: 100 })),
      MiddleName: schema.Optional(schema.String({ maxLength: 100 })),
      FamilyName: schema.Optional(schema.String({ maxLength: 100 })),
      Suffix: schema.Optional(schema.String({ maxLength: 16 })),
      CompanyName: schema.Optional(schema.String({ maxLength: 100 })),
      PrimaryEmailAddr: schema.Optional(emailAddress),
      PrimaryPhone: schema.Optional(telephoneNumber),
      Mobile: schema.Optional(telephoneNumber),
      BillAddr: schema.Optional(physicalAddress),
      ShipAddr: schema.Optional(physicalAddress),
      Notes: schema.Optional(schema.String({ maxLength: 2000 })),
      CurrencyRef: schema.Optional(ref),
      minorversion,
      idempotencyKey,
    },
    { additionalProperties: false },
  ),
  output: customerResponse,
  request: ({ minorversion: version, idempotencyKey: key, ...customer }) => ({
    method: 'POST',
    path: '/customer',
    headers: { ...ACCEPT_JSON },
    query: commonQuery({ minorversion: version, idempotencyKey: key }),
    body: customer,
  }),
  errors: quickbooksError,
  xref: { entity: 'customer', id: (output) => output.Customer.Id },
});
