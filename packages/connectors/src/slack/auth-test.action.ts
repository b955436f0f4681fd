import { defineAction, schema } from '@weft/sdk';
import { slackError } from './slack.errors.ts';

export const authTest = defineAction({
  id: 'auth-test',
  name: 'Check token',
  description: 'auth.test: who the token belongs to (workspace, bot user). Changes nothing; used to test a connection.',
  input: schema.Object({}),
  output: schema.Object(
    {
      ok: schema.Literal(true),
      url: schema.String(),
      team: schema.String(),
      user: schema.String(),
      team_id: schema.String(),
      user_id: schema.String(),
      bot_id: schema.Optional(schema.String()),
      is_enterprise_install: schema.Optional(schema.Boolean()),
    },
    { additionalProperties: true },
  ),
  request: () => ({ method: 'GET', path: '/auth.test' }),
  errors: slackError,
});
