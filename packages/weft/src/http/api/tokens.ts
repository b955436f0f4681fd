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
      await store.tokens.create({ id, name: body.name.trim(), role: body.role as ApiRole, kind: 'api', hash, now });
      try {
        await app.weftAuth.audit(request, 'token.create', id, { name: body.name.trim(), role: body.role });
      } catch (error) {
        // Answered with an error, the token is never shown: revoked, it is no live credential
        // that nobody holds and no audit record accounts for.
        await store.tokens.revoke(id, clock.now()).catch((undoError: unknown) => {
          request.log.error({ err: undoError, tokenId: id }, 'token.create_undo_failed');
        });
        throw error;
      }
      return reply.code(201).send({ id, name: body.name.trim(), role: body.role, token });
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
