import { defineAction, schema } from '@weft/sdk';
import { twilioError } from './twilio.errors.ts';
import { message } from './twilio.schemas.ts';

export const getMessage = defineAction({
  id: 'get-message',
  name: 'Get message',
  description: 'GET Messages/{Sid}.json: one message with its current status, error code and price.',
  input: schema.Object({ sid: schema.String({ pattern: '^(SM|MM)[0-9a-fA-F]{32}$', description: 'The message SID.' }) }),
  output: message,
  request: ({ sid }) => ({ method: 'GET', path: `/Messages/${encodeURIComponent(sid)}.json` }),
  errors: twilioError,
});
