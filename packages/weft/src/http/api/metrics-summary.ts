import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { ActivitySummary } from '../../store/store.ts';
import type { ApiContext } from './api-context.ts';
import { Millis, Nullable } from './schemas.ts';

const SummaryQuery = Type.Object({ minutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 1440, default: 60 })) });
const Summary = Type.Object({
  perMinute: Type.Array(
    Type.Object({
      minute: Millis,
      eventsIn: Type.Integer(),
      runsCompleted: Type.Integer(),
      exceptions: Type.Integer(),
      p50Ms: Nullable(Type.Number({ description: 'event received → run succeeded' })),
      p99Ms: Nullable(Type.Number()),
    }),
  ),
  successRate: Nullable(Type.Number({ description: 'succeeded / (succeeded + exceptions) in the window' })),
  openExceptionsByReason: Type.Record(Type.String(), Type.Integer()),
  byFlow: Type.Array(Type.Object({ flowId: Type.String(), eventsIn: Type.Integer(), completed: Type.Integer(), exceptions: Type.Integer() })),
  byConnection: Type.Array(Type.Object({ connection: Type.String(), calls: Type.Integer(), errors: Type.Integer() })),
});

const MINUTE_MS = 60_000;
/**
 * A summary over a busy hour reads ~100,000 runs (about 0.2 s on SQLite); every open console asks
 * for it. Answers are shared for this long, so the cost does not grow with the viewers.
 */
const REUSE_MS = 5_000;

export async function metricsSummaryRoutes(app: FastifyInstance, context: ApiContext): Promise<void> {
  const recent = new Map<number, { at: number; summary: Promise<ActivitySummary> }>();
  app.get('/metrics/summary', {
    config: { role: 'viewer' },
    schema: { summary: 'Activity per minute over the last `minutes`, for the overview charts', tags: ['metrics'], querystring: SummaryQuery, response: { 200: Summary } },
    handler: async (request) => {
      const { minutes = 60 } = request.query as Static<typeof SummaryQuery>;
      const now = context.clock.now();
      const reusable = recent.get(minutes);
      if (reusable !== undefined && now - reusable.at < REUSE_MS) return reusable.summary;
      const summary = context.store.operations.summary({ since: now - (minutes - 1) * MINUTE_MS - (now % MINUTE_MS), now });
      recent.set(minutes, { at: now, summary });
      // A failed read must not be served again.
      summary.catch(() => {
        if (recent.get(minutes)?.summary === summary) recent.delete(minutes);
      });
      return summary;
    },
  });
}
