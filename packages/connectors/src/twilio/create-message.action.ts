import { defineAction } from '@weft/sdk';
import { twilioError } from './twilio.errors.ts';
import { createMessageInput, message } from './twilio.schemas.ts';

export const createMessage = defineAction({
  id: 'create-message',
  name: 'Send message',
  description:
    'POST Messages.json: sends an SMS, MMS or WhatsApp message (To whatsapp:+E.164). Twilio answers 201 with the message queued; its progress arrives at StatusCallback. Twilio has no idempotency key for messages, so a retried send is guarded by the cross-reference store (xref).',
  input: createMessageInput,
  output: message,
  // Built here rather than with bodyEncoding 'form': Twilio takes a list as the same name
  // repeated (MediaUrl=a&MediaUrl=b), where the form encoder indexes it (MediaUrl[0]=a).
  request: ({ MediaUrl: mediaUrls = [], ...fields }) => {
    const form = new URLSearchParams();
    for (const [name, value] of Object.entries(fields)) if (value !== undefined) form.append(name, value);
    for (const url of mediaUrls) form.append('MediaUrl', url);
    return {
      method: 'POST',
      path: '/Messages.json',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      bodyEncoding: 'raw',
      body: form.toString(),
    };
  },
  errors: twilioError,
  xref: { entity: 'message', id: (output) => output.sid },
});
