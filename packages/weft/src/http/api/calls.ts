import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { CallStatusClass } from '../../store/store.ts';
import type { ApiContext } from './api-context.ts';
import { CallRecordSchema, Page, PageQuery } from './schemas.ts';
import { callView } from './views.ts';

const CallsQuery = Type.Object({
  run: Type.Optional(Type.String({ minLength: 1 })),
  connection: Type.Optional(Type.String({ minLength: 1 })),
  status: Type.Optional(Type.Union(['2xx', '3xx', '4xx', '5xx', 'error'].map((s) => Type.Literal(s)), { description: 'error: no response at all (calls in flight or interrupted included)' })),
  q: Type.Optional(Type.String({ minLength: 1, description: 'a record id (or any text) searched in the url and both bodies' })),
  from: Type.Optional(Type.Integer({ description: 'epoch ms, inclusive' })),
  to: Type.Optional(Type.Integer({ description: 'epoch ms, inclusive' })),
  ...PageQuery,
});

export async function callRoutes(app: FastifyInstance, context: ApiContext): Promise<void> {
  app.get('/calls', {
    config: { role: 'viewer' },
    schema: { summary: 'The audit of outbound HTTP calls (redacted), newest first', tags: ['calls'], querystring: CallsQuery, response: { 200: Page(CallRecordSchema) } },
    handler: async (request) => {
      const query = request.query as Static<typeof CallsQuery>;
      const page = await context.store.operations.pageCalls({
        limit: query.limit ?? 50,
        now: context.clock.now(),
        ...(query.cursor === undefined ? {} : { cursor: query.cursor }),
        ...(query.run === undefined ? {} : { runId: query.run }),
        ...(query.connection === undefined ? {} : { connection: query.connection }),
        ...(query.status === undefined ? {} : { status: query.status as CallStatusClass }),
        ...(query.q === undefined ? {} : { q: query.q }),
        ...(query.from === undefined ? {} : { from: query.from }),
        ...(query.to === undefined ? {} : { to: query.to }),
      });
      return { items: page.items.map(callView), nextCursor: page.nextCursor };
    },
  });
}
