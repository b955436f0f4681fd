import { defineAction, schema } from '@weft/sdk';
import { netsuiteErrors, responseBody, soapRequest } from './netsuite.soap.ts';

export const getServerTime = defineAction({
  id: 'get-server-time',
  name: 'Get server time',
  description: "SOAP getServerTime: NetSuite's clock. Changes nothing; `weft connections test` calls it to check the credentials.",
  input: schema.Object({}),
  output: schema.Object({ serverTime: schema.String({ description: 'ISO 8601 date-time.' }) }),
  request: () => soapRequest('getServerTime', {}),
  response: (raw) => {
    const body = responseBody(raw as string) as { getServerTimeResponse?: { getServerTimeResult?: { serverTime?: unknown } } };
    return { serverTime: String(body.getServerTimeResponse?.getServerTimeResult?.serverTime ?? '') };
  },
  errors: netsuiteErrors,
});
