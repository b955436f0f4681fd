import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { ApiContext } from './api-context.ts';
import { Millis, Page, PageQuery } from './schemas.ts';

const EventsQuery = Type.Object({ flow: Type.Optional(Type.String({ minLength: 1 })), ...PageQuery });
const EventSummary = Type.Object({
  id: Type.String(),
  flowId: Type.String(),
  runId: Type.String(),
  source: Type.String(),
  receivedAt: Millis,
  dedupeKey: Type.String(),
});

export async function eventRoutes(app: FastifyInstance, context: ApiContext): Promise<void> {
  app.get('/events', {
    config: { role: 'viewer' },
    schema: { summary: 'Accepted events, newest first', tags: ['events'], querystring: EventsQuery, response: { 200: Page(EventSummary) } },
    handler: async (request) => {
      const query = request.query as Static<typeof EventsQuery>;
      return context.store.operations.pageEvents({
        limit: query.limit ?? 50,
        ...(query.cursor === undefined ? {} : { cursor: query.cursor }),
        ...(query.flow === undefined ? {} : { flowId: query.flow }),
      });
    },
  });
}
