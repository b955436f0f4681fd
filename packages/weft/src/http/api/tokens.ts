import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { newId } from '../../core/ids.ts';
import type { ApiRole } from '../../store/store.ts';
import type { ApiContext } from './api-context.ts';
import { notFound } from './api-problem.ts';
import { newToken } from './auth.ts';
import { IdParams, Millis, Nullable, RoleSchema } from './schemas.ts';

const TokenSummary = Type.Object({ id: Type.String(), name: Type.String(), role: RoleSchema, createdAt: Millis, lastUsedAt: Nullable(Millis) });
const NewToken = Type.Object({ name: Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' }), role: RoleSchema });
const CreatedToken = Type.Object({
  id: Type.String(),
  name: Type.String(),
  role: RoleSchema,
  token: Type.String({ description: 'shown this once; only its hash is kept' }),
});

export async function tokenRoutes(app: FastifyInstance, context: ApiContext): Promise<void> {
  const { store, clock } = context;

  app.get('/tokens', {
    config: { role: 'admin' },
    schema: { summary: 'API tokens (never their values)', tags: ['tokens'], response: { 200: Type.Object({ items: Type.Array(TokenSummary) }) } },
    handler: async () => ({ items: await store.tokens.list() }),
  });

  app.post('/tokens', {
    config: { role: 'admin' },
    schema: { summary: 'Create an API token; the token is in this answer only', tags: ['tokens'], body: NewToken, response: { 201: CreatedToken } },
    handler: async (request, reply) => {
      const body = request.body as Static<typeof NewToken>;
      const now = clock.now();
      const id = newId('tok', now);
      const { token, hash } = newToken();
      const name = body.name.trim();
      const principal = request.principal!;
      // The token and its audit entry commit together: a token whose creation cannot be audited
      // is never shown, so it must not be live either (nobody would hold it).
      const audit = { at: now, actor: principal.name, role: principal.role, action: 'token.create', target: id, detail: { name, role: body.role } };
      await store.tokens.create({ id, name, role: body.role as ApiRole, kind: 'api', hash, now }, audit);
      return reply.code(201).send({ id, name, role: body.role, token });
    },
  });

  app.delete('/tokens/:id', {
    config: { role: 'admin' },
    schema: { summary: 'Revoke an API token', tags: ['tokens'], params: IdParams, response: { 204: Type.Null() } },
    handler: async (request, reply) => {
      const { id } = request.params as Static<typeof IdParams>;
      if (!(await store.tokens.revoke(id, clock.now()))) throw notFound('token', id);
      await app.weftAuth.audit(request, 'token.revoke', id);
      return reply.code(204).send();
    },
  });
}
