import { defineAction, schema } from '@weft/sdk';
import { netsuiteErrors, readWrite, recordRefAttributes, soapRequest } from './netsuite.soap.ts';
import { recordRef, writeResult } from './netsuite.schemas.ts';

export const upsertCustomer = defineAction({
  id: 'upsert-customer',
  name: 'Upsert customer',
  description: 'SOAP upsert of a Customer keyed by externalId: the first call adds it, later calls update the same record.',
  input: schema.Object({
    externalId: schema.String({ minLength: 1, maxLength: 255, description: 'Your customer id (e.g. the shop\'s).' }),
    entityId: schema.Optional(schema.String({ maxLength: 83, description: 'The customer\'s name/number in NetSuite.' })),
    isPerson: schema.Optional(schema.Boolean({ description: 'An individual rather than a company.' })),
    firstName: schema.Optional(schema.String({ maxLength: 32 })),
    lastName: schema.Optional(schema.String({ maxLength: 32 })),
    companyName: schema.Optional(schema.String({ maxLength: 83 })),
    phone: schema.Optional(schema.String({ maxLength: 32 })),
    email: schema.Optional(schema.String({ maxLength: 254 })),
    subsidiary: schema.Optional(recordRef),
  }),
  output: writeResult,
  xref: { entity: 'customer', id: (written) => written.internalId },
  // Elements in the order of the XSD's sequence for listRel:Customer.
  request: ({ externalId, entityId, isPerson, firstName, lastName, companyName, phone, email, subsidiary }) =>
    soapRequest('upsert', {
      'platformMsgs:record': {
        '@_xsi:type': 'listRel:Customer',
        '@_externalId': externalId,
        'listRel:entityId': entityId,
        'listRel:isPerson': isPerson,
        'listRel:firstName': firstName,
        'listRel:lastName': lastName,
        'listRel:companyName': companyName,
        'listRel:phone': phone,
        'listRel:email': email,
        'listRel:subsidiary': subsidiary === undefined ? undefined : recordRefAttributes(subsidiary),
      },
    }),
  response: (raw) => readWrite(raw as string),
  errors: netsuiteErrors,
});
