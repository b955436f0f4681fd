import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiContext } from './api-context.ts';
import { IdParams, Millis, Nullable } from './schemas.ts';

const ConnectionStatus = Type.Object({
  id: Type.String(),
  connectorId: Type.String(),
  config: Type.Record(Type.String(), Type.Unknown(), { description: 'non-secret settings; vault secrets are never shown' }),
  health: Type.Union([Type.Literal('ok'), Type.Literal('failing'), Type.Literal('unknown')], { description: 'from the last calls through the connection' }),
  lastSuccessAt: Nullable(Millis),
  lastFailureAt: Nullable(Millis),
  tokenExpiresAt: Nullable(Millis),
  rateLimit: Type.Object({
    limits: Type.Unknown({ description: "the connector's declared limits merged with the connection's overrides" }),
    pausedUntil: Nullable(Millis),
  }),
  breaker: Type.Union([Type.Literal('closed'), Type.Literal('open')], {
    description: 'open while the shared pause a breaker publishes is in force and the last call failed',
  }),
});

const CallbackQuery = Type.Object({ state: Type.String({ minLength: 1 }), code: Type.Optional(Type.String()), error: Type.Optional(Type.String()) });

const CALLBACK_PATH = '/connections/oauth/callback';

/** Where the vendor sends the browser back: this server, as the admin's browser reached it. */
function callbackUrl(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}${request.url.slice(0, request.url.indexOf('/connections/'))}${CALLBACK_PATH}`;
}

export async function connectionRoutes(app: FastifyInstance, context: ApiContext): Promise<void> {
  const { connections } = context;

  app.get('/connections', {
    config: { role: 'viewer' },
    schema: { summary: 'Connections with health, token expiry, rate-limit and breaker state', tags: ['connections'], response: { 200: Type.Object({ items: Type.Array(ConnectionStatus) }) } },
    handler: async () => ({ items: await connections.list() }),
  });

  app.post('/connections/:id/test', {
    config: { role: 'admin' },
    schema: {
      summary: "Make the connector's harmless test call through the connection",
      tags: ['connections'],
      params: IdParams,
      response: { 200: Type.Object({ ok: Type.Boolean(), detail: Type.String() }) },
    },
    handler: async (request) => {
      const { id } = request.params as Static<typeof IdParams>;
      const result = await connections.test(id);
      await app.weftAuth.audit(request, 'connection.test', id, result);
      return result;
    },
  });

  app.get('/connections/:id/authorize', {
    config: { role: 'admin' },
    schema: {
      summary: `The OAuth 2 consent URL for the connect button; the provider redirects back to ${CALLBACK_PATH}`,
      tags: ['connections'],
      params: IdParams,
      response: { 200: Type.Object({ url: Type.String() }) },
    },
    handler: async (request) => {
      const { id } = request.params as Static<typeof IdParams>;
      const url = await connections.authorizationUrl(id, callbackUrl(request));
      await app.weftAuth.audit(request, 'connection.authorize', id);
      return { url };
    },
  });

  // Public: the provider's redirect carries no bearer token. The one-time `state` handed out by
  // the admin-only route above is what authenticates it.
  app.get(CALLBACK_PATH, {
    config: { public: true, produces: 'text/html' },
    schema: { summary: 'The OAuth 2 redirect target (opened by the browser, not called by clients)', tags: ['connections'], querystring: CallbackQuery },
    handler: async (request, reply) => {
      const query = request.query as Static<typeof CallbackQuery>;
      const connectionId = await connections.completeAuthorization(query.state, query.code, query.error);
      await context.store.adminAudit.record({ at: context.clock.now(), actor: 'oauth-callback', role: 'admin', action: 'connection.connected', target: connectionId, detail: null });
      return reply
        .type('text/html; charset=utf-8')
        .send(`<!doctype html><meta charset="utf-8"><title>Connected</title><p>Connection <b>${connectionId.replace(/[^A-Za-z0-9_-]/g, '')}</b> is signed in. You can close this tab.</p>`);
    },
  });
}
