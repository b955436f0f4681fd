import { defineAction } from '@weft/sdk';
import { slackError } from './slack.errors.ts';
import { postMessageInput, postMessageOutput } from './slack.schemas.ts';

export const postMessage = defineAction({
  id: 'post-message',
  name: 'Post message',
  description:
    'chat.postMessage: posts text and/or Block Kit blocks to a channel, or into a thread with thread_ts. Slack answers failures as HTTP 200 with ok: false, which become the matching error.',
  input: postMessageInput,
  output: postMessageOutput,
  // JSON rather than a form: blocks are a JSON array either way, and Slack takes JSON bodies on write methods.
  request: (input) => ({ method: 'POST', path: '/chat.postMessage', body: input }),
  errors: slackError,
});
