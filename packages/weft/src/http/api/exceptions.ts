import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Reason } from '../../core/exception.ts';
import type { ExceptionStatus } from '../../store/store.ts';
import type { ApiContext } from './api-context.ts';
import { ApiProblem, notFound } from './api-problem.ts';
import { CallRecordSchema, ExceptionRecordSchema, ExceptionStatusSchema, IdParams, Millis, Page, PageQuery, ReasonSchema, RunSummarySchema } from './schemas.ts';
import { callView, exceptionView } from './views.ts';

const ExceptionsQuery = Type.Object({
  flow: Type.Optional(Type.String({ minLength: 1 })),
  reason: Type.Optional(ReasonSchema),
  status: Type.Optional(ExceptionStatusSchema),
  ...PageQuery,
});

const GroupsQuery = Type.Object({ status: Type.Optional(ExceptionStatusSchema) });
const Groups = Type.Object({
  items: Type.Array(Type.Object({ flowId: Type.String(), reason: ReasonSchema, count: Type.Integer(), oldestAt: Millis })),
});

const ExceptionDetail = Type.Intersect([ExceptionRecordSchema, Type.Object({ run: RunSummarySchema, calls: Type.Array(CallRecordSchema) })]);

const Replay = Type.Object({ input: Type.Optional(Type.Unknown({ description: 'replaces the trigger body; completed steps run again, done effects are not repeated' })) });
/** A comment of only spaces says nothing. */
const Comment = Type.String({ minLength: 1, pattern: '\\S', description: 'why: required, non-empty' });
const Discard = Type.Object({ comment: Comment });
const Bulk = Type.Object({
  action: Type.Union([Type.Literal('replay'), Type.Literal('discard')]),
  filter: Type.Object({ flow: Type.Optional(Type.String({ minLength: 1 })), reason: Type.Optional(ReasonSchema) }),
  comment: Type.Optional(Comment),
});
const Job = Type.Object({
  id: Type.String(),
  action: Type.String(),
  total: Type.Integer(),
  done: Type.Integer({ description: 'processed so far, failed ones included' }),
  failed: Type.Integer(),
  finishedAt: Type.Union([Millis, Type.Null()]),
});

/** Pages through the filter once, at the start: the job's set is fixed, later exceptions are not swept in. */
const BULK_PAGE = 500;

export async function exceptionRoutes(app: FastifyInstance, context: ApiContext): Promise<void> {
  const { store, clock, engine } = context;

  async function replay(id: string, input: unknown): Promise<{ runId: string }> {
    const result = await store.replayException(id, { now: clock.now(), ...(input === undefined ? {} : { input }) });
    engine.kick();
    return result;
  }

  async function openException(id: string) {
    const exception = await store.getException(id);
    if (exception === undefined) throw notFound('exception', id);
    if (exception.status !== 'open') throw new ApiProblem(409, 'not-open', 'The exception is not open', `exception ${id} is already ${exception.status}`);
    return exception;
  }

  app.get('/exceptions', {
    config: { role: 'viewer' },
    schema: { summary: 'Exceptions, OLDEST first (the inbox)', tags: ['exceptions'], querystring: ExceptionsQuery, response: { 200: Page(ExceptionRecordSchema) } },
    handler: async (request) => {
      const query = request.query as Static<typeof ExceptionsQuery>;
      const page = await store.operations.pageExceptions({
        limit: query.limit ?? 50,
        ...(query.cursor === undefined ? {} : { cursor: query.cursor }),
        ...(query.flow === undefined ? {} : { flowId: query.flow }),
        ...(query.reason === undefined ? {} : { reason: query.reason as Reason }),
        ...(query.status === undefined ? {} : { status: query.status as ExceptionStatus }),
      });
      return { items: page.items.map(exceptionView), nextCursor: page.nextCursor };
    },
  });

  app.get('/exceptions/groups', {
    config: { role: 'viewer' },
    schema: { summary: 'Exceptions counted by flow and reason, oldest group first', tags: ['exceptions'], querystring: GroupsQuery, response: { 200: Groups } },
    handler: async (request) => {
      const query = request.query as Static<typeof GroupsQuery>;
      return { items: await store.operations.exceptionGroups(query.status === undefined ? {} : { status: query.status as ExceptionStatus }) };
    },
  });

  app.get('/exceptions/:id', {
    config: { role: 'viewer' },
    schema: { summary: 'An exception, its run and the run’s calls', tags: ['exceptions'], params: IdParams, response: { 200: ExceptionDetail } },
    handler: async (request) => {
      const { id } = request.params as Static<typeof IdParams>;
      const exception = await store.getException(id);
      if (exception === undefined) throw notFound('exception', id);
      const [run, calls] = await Promise.all([store.getRun(exception.runId), store.listCalls({ runId: exception.runId, limit: 500, now: clock.now() })]);
      if (run === undefined) throw notFound('run', exception.runId);
      const { event: _event, checkpoints: _checkpoints, ...summary } = run;
      return { ...exceptionView(exception), run: summary, calls: calls.map(callView) };
    },
  });

  app.post('/exceptions/:id/replay', {
    config: { role: 'operator' },
    // The body is optional: no body replays the input as it was.
    preValidation: async (request) => {
      request.body ??= {};
    },
    schema: { summary: 'Queue the run again, optionally with an edited input', tags: ['exceptions'], params: IdParams, body: Replay, response: { 200: Type.Object({ runId: Type.String() }) } },
    handler: async (request) => {
      const { id } = request.params as Static<typeof IdParams>;
      const { input } = request.body as Static<typeof Replay>;
      await openException(id);
      const result = await replay(id, input);
      await app.weftAuth.audit(request, 'exception.replay', id, { runId: result.runId, editedInput: input !== undefined });
      return result;
    },
  });

  app.post('/exceptions/:id/discard', {
    config: { role: 'operator' },
    schema: {
      summary: 'Close the exception without running it again; a comment is required',
      tags: ['exceptions'],
      params: IdParams,
      body: Discard,
      response: { 200: Type.Object({ id: Type.String(), status: Type.Literal('discarded') }) },
    },
    handler: async (request) => {
      const { id } = request.params as Static<typeof IdParams>;
      const { comment } = request.body as Static<typeof Discard>;
      await openException(id);
      await store.discardException(id, clock.now(), comment.trim());
      await app.weftAuth.audit(request, 'exception.discard', id, { comment: comment.trim() });
      return { id, status: 'discarded' as const };
    },
  });

  app.post('/exceptions/bulk', {
    config: { role: 'operator' },
    schema: {
      summary: 'Replay or discard every OPEN exception matching the filter, as a background job',
      tags: ['exceptions'],
      body: Bulk,
      response: { 202: Type.Object({ jobId: Type.String(), total: Type.Integer() }) },
    },
    handler: async (request, reply) => {
      const body = request.body as Static<typeof Bulk>;
      if (body.action === 'discard' && body.comment === undefined) throw new ApiProblem(400, 'comment-required', 'A comment is required', 'discarding needs a comment saying why');
      const ids: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.operations.pageExceptions({
          status: 'open',
          limit: BULK_PAGE,
          ...(cursor === undefined ? {} : { cursor }),
          ...(body.filter.flow === undefined ? {} : { flowId: body.filter.flow }),
          ...(body.filter.reason === undefined ? {} : { reason: body.filter.reason as Reason }),
        });
        ids.push(...page.items.map((item) => item.id));
        cursor = page.nextCursor ?? undefined;
      } while (cursor !== undefined);
      const comment = body.comment?.trim();
      const job = context.jobs.start(`exceptions.${body.action}`, ids, async (id) => {
        if (body.action === 'replay') await replay(id, undefined);
        else await store.discardException(id, clock.now(), comment);
      });
      await app.weftAuth.audit(request, `exceptions.bulk_${body.action}`, job.id, { filter: body.filter, total: ids.length, ...(comment ? { comment } : {}) });
      return reply.code(202).send({ jobId: job.id, total: job.total });
    },
  });

  app.get('/jobs/:id', {
    config: { role: 'viewer' },
    schema: { summary: 'Progress of a bulk job (kept in memory by the process that runs it)', tags: ['exceptions'], params: IdParams, response: { 200: Job } },
    handler: async (request) => {
      const { id } = request.params as Static<typeof IdParams>;
      const job = context.jobs.get(id);
      if (job === undefined) throw notFound('job', id);
      return job;
    },
  });
}
