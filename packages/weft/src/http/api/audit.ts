import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { ApiContext } from './api-context.ts';
import { Millis, Page, PageQuery, RoleSchema } from './schemas.ts';

const AuditQuery = Type.Object({ actor: Type.Optional(Type.String({ minLength: 1 })), action: Type.Optional(Type.String({ minLength: 1 })), ...PageQuery });
const AuditEntry = Type.Object({
  id: Type.Integer(),
  at: Millis,
  actor: Type.String({ description: "the token's name, or 'admin' for the admin password's session" }),
  role: RoleSchema,
  action: Type.String({ description: 'e.g. exception.replay, exception.discard, flow.disable, token.create' }),
  target: Type.String(),
  detail: Type.Unknown(),
});

export async function auditRoutes(app: FastifyInstance, context: ApiContext): Promise<void> {
  app.get('/audit', {
    config: { role: 'viewer' },
    schema: { summary: 'Operator and admin actions, newest first', tags: ['audit'], querystring: AuditQuery, response: { 200: Page(AuditEntry) } },
    handler: async (request) => {
      const query = request.query as Static<typeof AuditQuery>;
      return context.store.adminAudit.list({
        limit: query.limit ?? 50,
        ...(query.cursor === undefined ? {} : { cursor: query.cursor }),
        ...(query.actor === undefined ? {} : { actor: query.actor }),
        ...(query.action === undefined ? {} : { action: query.action }),
      });
    },
  });
}
