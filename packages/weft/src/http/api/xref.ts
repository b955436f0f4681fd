import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { ApiContext } from './api-context.ts';
import { Page } from './schemas.ts';

const XrefQuery = Type.Object({
  entity: Type.Optional(Type.String({ description: 'A canonical entity, e.g. customer.' })),
  q: Type.Optional(Type.String({ description: 'An id in any system.' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
  cursor: Type.Optional(Type.String()),
});

/**
 * One record across systems: its id in each system under `links`, apart from the row's own fields,
 * so a system may be named anything (a connection called `entity` or `linkedAt` included).
 */
const XrefRow = Type.Object({
  entity: Type.String(),
  linkedAt: Type.String({ format: 'date-time', description: 'When the latest of its ids was linked.' }),
  links: Type.Record(Type.String(), Type.String(), { description: 'The record\'s id in each system, by system (a connection name or a business key such as email).' }),
});

const Report = Type.Object({
  id: Type.String(),
  flowId: Type.String(),
  runId: Type.String(),
  entity: Type.String(),
  sourceSystem: Type.String(),
  targetSystem: Type.String(),
  matched: Type.Integer(),
  missing: Type.Integer({ description: 'Judged missing (settling records not included).' }),
  different: Type.Integer({ description: 'Judged different (settling records not included).' }),
  settling: Type.Integer({ description: 'Missing or different but not judged this run: changed within the step\'s settle window, or the record\'s own run still on its way (linkedBy).' }),
  orphans: Type.Integer({ description: 'Target records no record of the source system links to: reported, never handed over.' }),
  notHandedOver: Type.Integer({ description: 'Missing records not handed to the repair flow because the run reached its limit (100); a later run hands them over.' }),
  at: Type.String({ format: 'date-time' }),
});

/**
 * The cross-reference and reconciliation reports, read-only: links are made by flows (or `weft
 * xref set`), so an operator's console shows them and never edits them behind a flow's back.
 * The newest records come first; the list is bounded by `limit` rather than paged (no cursor).
 */
export async function xrefRoutes(app: FastifyInstance, { store }: ApiContext): Promise<void> {
  app.get<{ Querystring: { entity?: string; q?: string; limit?: number } }>('/xref', {
    config: { role: 'viewer' },
    schema: { summary: 'Records linked across systems, newest link first', tags: ['xref'], querystring: XrefQuery, response: { 200: Page(XrefRow) } },
    handler: async (request) => {
      const { entity, q, limit = 100 } = request.query;
      const groups = await store.xref.list({ limit, ...(entity ? { entity } : {}), ...(q ? { id: q } : {}) });
      const items = groups.map((group) => ({
        entity: group.entity,
        linkedAt: new Date(Math.max(...group.links.map((link) => link.linkedAt))).toISOString(),
        links: Object.fromEntries(group.links.map((link) => [link.system, link.id])),
      }));
      return { items, nextCursor: null };
    },
  });
  app.get('/reconciliations', {
    config: { role: 'viewer' },
    schema: { summary: 'Reconciliation reports, newest first', tags: ['xref'], response: { 200: Type.Object({ items: Type.Array(Report) }) } },
    handler: async () => ({
      items: (await store.reconciliations.list({ limit: 50 })).map(({ stepPath: _stepPath, at, ...report }) => ({ ...report, at: new Date(at).toISOString() })),
    }),
  });
}
