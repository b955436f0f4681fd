import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { newId } from '../../core/ids.ts';
import type { RunStatus } from '../../core/run.ts';
import { redactHeaders, redactQueryParameters } from '../../engine/redact.ts';
import type { ApiContext } from './api-context.ts';
import { ApiProblem, notFound } from './api-problem.ts';
import { CallRecordSchema, IdParams, Millis, Page, PageQuery, RunStatusSchema, RunSummarySchema } from './schemas.ts';
import { callView } from './views.ts';

const RunsQuery = Type.Object({
  flow: Type.Optional(Type.String({ minLength: 1 })),
  status: Type.Optional(RunStatusSchema),
  q: Type.Optional(Type.String({ minLength: 1, description: 'a run id, event id or ordering key (exact)' })),
  ...PageQuery,
});

const TimelineEntry = Type.Object({
  at: Millis,
  kind: Type.Union(['received', 'claimed', 'step', 'call', 'retry', 'waiting', 'exception', 'completed'].map((k) => Type.Literal(k))),
  path: Type.Optional(Type.String()),
  detail: Type.Optional(Type.String()),
  call: Type.Optional(CallRecordSchema),
});
type TimelineEntry = Static<typeof TimelineEntry>;

const RunDetail = Type.Object({
  run: RunSummarySchema,
  event: Type.Object({
    id: Type.String(),
    source: Type.String(),
    receivedAt: Millis,
    headers: Type.Record(Type.String(), Type.String(), { description: 'redacted' }),
    query: Type.Record(Type.String(), Type.String(), { description: 'parameters named like credentials (token, signature, api_key…) or listed in the redactFields setting redacted' }),
    body: Type.Unknown({ description: 'the trigger body the run sees (an edited replay input replaces it)' }),
  }),
  timeline: Type.Array(TimelineEntry, { description: 'in time order' }),
});

const ManualRun = Type.Object({ flowId: Type.String({ minLength: 1 }), input: Type.Unknown() });

/** Most calls one run's timeline shows. */
const TIMELINE_CALLS = 500;

export async function runRoutes(app: FastifyInstance, context: ApiContext): Promise<void> {
  const { store, clock } = context;

  app.get('/runs', {
    config: { role: 'viewer' },
    schema: { summary: 'Runs, newest first', tags: ['runs'], querystring: RunsQuery, response: { 200: Page(RunSummarySchema) } },
    handler: async (request) => {
      const query = request.query as Static<typeof RunsQuery>;
      return store.operations.pageRuns({
        limit: query.limit ?? 50,
        ...(query.cursor === undefined ? {} : { cursor: query.cursor }),
        ...(query.flow === undefined ? {} : { flowId: query.flow }),
        ...(query.status === undefined ? {} : { status: query.status as RunStatus }),
        ...(query.q === undefined ? {} : { q: query.q }),
      });
    },
  });

  app.get('/runs/:id', {
    config: { role: 'viewer' },
    schema: { summary: 'A run, its event and its timeline (steps, calls, waits, exceptions)', tags: ['runs'], params: IdParams, response: { 200: RunDetail } },
    handler: async (request) => {
      const { id } = request.params as Static<typeof IdParams>;
      const run = await store.getRun(id);
      if (run === undefined) throw notFound('run', id);
      const [steps, calls, exceptions] = await Promise.all([
        store.operations.checkpointTimes(id),
        store.listCalls({ runId: id, limit: TIMELINE_CALLS, now: clock.now() }),
        store.listExceptions({ runId: id }),
      ]);
      const receivedAt = Date.parse(run.event.receivedAt);
      const timeline: TimelineEntry[] = [{ at: receivedAt, kind: 'received', detail: run.event.source }];
      for (const step of steps) timeline.push({ at: step.at, kind: 'step', path: step.path, detail: step.outcome });
      for (const call of calls) {
        timeline.push({ at: call.at, kind: call.attempt > 1 ? 'retry' : 'call', path: call.stepPath, detail: `${call.method} ${call.status ?? call.error ?? 'no response'}`, call: callView(call) });
      }
      for (const exception of exceptions) {
        timeline.push({ at: exception.createdAt, kind: 'exception', ...(exception.stepPath === null ? {} : { path: exception.stepPath }), detail: exception.message });
      }
      if (run.status === 'running') timeline.push({ at: run.updatedAt, kind: 'claimed', detail: `claim ${run.fence}` });
      if (run.status === 'waiting' || (run.status === 'queued' && run.lastError !== null)) {
        timeline.push({ at: run.updatedAt, kind: 'waiting', detail: `due ${new Date(run.dueAt).toISOString()}${run.lastError ? ` after: ${run.lastError}` : ''}` });
      }
      if (run.status === 'succeeded' && run.finishedAt !== null) timeline.push({ at: run.finishedAt, kind: 'completed' });
      timeline.sort((a, b) => a.at - b.at);
      const { event, checkpoints: _checkpoints, ...summary } = run;
      return {
        run: summary,
        event: { id: event.id, source: event.source, receivedAt, headers: redactHeaders(event.headers), query: redactQueryParameters(event.query, context.redactFields), body: event.body },
        timeline,
      };
    },
  });

  app.post('/runs', {
    config: { role: 'operator' },
    schema: { summary: 'Start a run of a flow with this input (a manual event)', tags: ['runs'], body: ManualRun, response: { 202: Type.Object({ runId: Type.String() }) } },
    handler: async (request, reply) => {
      const body = request.body as Static<typeof ManualRun>;
      const flow = context.flows.get(body.flowId);
      if (flow === undefined) throw notFound('flow', body.flowId);
      if (!context.flows.isEnabled(body.flowId)) throw new ApiProblem(409, 'flow-disabled', 'The flow is disabled', `enable flow '${body.flowId}' first`);
      const now = clock.now();
      const outcome = await context.engine.accept(flow, { source: 'manual', headers: {}, query: {}, body: body.input, dedupeKey: `manual:${newId('in', now)}` });
      await app.weftAuth.audit(request, 'run.create', outcome.runId, { flowId: body.flowId });
      return reply.code(202).send({ runId: outcome.runId });
    },
  });
}
