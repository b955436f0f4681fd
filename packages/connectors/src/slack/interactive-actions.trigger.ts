import { defineTrigger, schema } from '@weft/sdk';

/**
 * Slack's interactivity request URL: a click on a button or a menu choice in a message the app
 * posted. Slack POSTs application/x-www-form-urlencoded with one field, `payload`, holding the
 * interaction as JSON (type block_actions, user, channel, message, actions[], trigger_id,
 * response_url), signed with the app's signing secret (X-Slack-Signature, five-minute window).
 */
export const interactiveActions = defineTrigger({
  id: 'interactive-actions',
  name: 'Interactive actions',
  description:
    "A person used a button or menu in one of the app's messages. The event is Slack's form: { payload: '<JSON>' }; read it in a flow with $eval(payload).",
  strategy: 'webhook',
  webhook: {
    signature: { scheme: 'slack' },
    // trigger_id is unique per interaction, so a redelivered request is recognised.
    dedupeId: (_headers, body) => triggerIdOf(body),
  },
  output: schema.Object(
    {
      payload: schema.String({
        pattern: '^\\{',
        description: 'The interaction as JSON: type, user, team, channel, message, actions[], trigger_id, response_url.',
      }),
    },
    { additionalProperties: false },
  ),
});

function triggerIdOf(body: unknown): string | undefined {
  const payload = typeof body === 'object' && body !== null ? (body as { payload?: unknown }).payload : undefined;
  if (typeof payload !== 'string') return undefined;
  try {
    const triggerId = (JSON.parse(payload) as { trigger_id?: unknown }).trigger_id;
    return typeof triggerId === 'string' && triggerId !== '' ? triggerId : undefined;
  } catch {
    // Not JSON: the body-hash fallback still dedupes an exact redelivery.
    return undefined;
  }
}
