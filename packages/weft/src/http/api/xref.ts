import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { ApiContext } from './api-context.ts';
import { Page } from './schemas.ts';

const XrefQuery = Type.Object({ entity: Type.Optional(Type.String()), q: Type.Optional(Type.String()), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })), cursor: Type.Optional(Type.String()) });

/**
 * Cross-references and reconciliation reports belong to the commerce issue; until it lands the
 * store keeps none, so these answer empty lists in their final shape and the console can show them.
 */
export async function xrefRoutes(app: FastifyInstance, _context: ApiContext): Promise<void> {
  app.get('/xref', {
    config: { role: 'viewer' },
    schema: { summary: 'Cross-references between systems’ record ids (empty until the commerce features land)', tags: ['xref'], querystring: XrefQuery, response: { 200: Page(Type.Object({}, { additionalProperties: true })) } },
    handler: async () => ({ items: [], nextCursor: null }),
  });
  app.get('/reconciliations', {
    config: { role: 'viewer' },
    schema: { summary: 'Reconciliation reports (empty until the commerce features land)', tags: ['xref'], response: { 200: Type.Object({ items: Type.Array(Type.Object({}, { additionalProperties: true })) }) } },
    handler: async () => ({ items: [] }),
  });
}
