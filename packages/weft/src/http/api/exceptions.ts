import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Reason } from '../../core/exception.ts';
import { newId } from '../../core/ids.ts';
import { orderingKeyOfEditedInput, orderingKeyOfRunInput, OrderingKeyError } from '../../engine/engine.ts';
import type { BulkJob, ExceptionRecord, ExceptionStatus } from '../../store/store.ts';
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
/** The most exceptions one bulk request names: a request, its audit entry and its checks stay small. */
const MAX_BULK_IDS = 1_000;
const Bulk = Type.Object(
  {
    action: Type.Union([Type.Literal('replay'), Type.Literal('discard')]),
    ids: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 200 }), {
        minItems: 1,
        maxItems: MAX_BULK_IDS,
        uniqueItems: true,
        description: `Exactly these exceptions (at most ${MAX_BULK_IDS}, each once): what a person confirmed. An unknown id refuses the whole request (400, nothing changed); one that is no longer open is left as it is and listed in notOpen.`,
      }),
    ),
    filter: Type.Optional(
      Type.Object(
        { flow: Type.Optional(Type.String({ minLength: 1 })), reason: Type.Optional(ReasonSchema) },
        { description: 'Every exception open when the request arrives that matches: including ones nobody has seen yet. Send ids to act on a set someone looked at.' },
      ),
    ),
    comment: Type.Optional(Comment),
  },
  { description: 'Send exactly one of ids and filter.' },
);
const BulkStarted = Type.Object({
  jobId: Type.String(),
  total: Type.Integer({ description: 'exceptions the job works on' }),
  notOpen: Type.Array(Type.String(), { description: 'ids sent that were no longer open: left as they are (always empty for a filter)' }),
});
const Job = Type.Object({
  id: Type.String(),
  action: Type.String({ description: 'exceptions.replay or exceptions.discard' }),
  total: Type.Integer(),
  done: Type.Integer({ description: 'processed so far, failed ones included' }),
  failed: Type.Integer({ description: 'of done, the ones not processed (nearly always: no longer open when the job came to them, closed by someone else)' }),
  finishedAt: Type.Union([Millis, Type.Null()]),
  createdAt: Millis,
  startedBy: Type.String({ description: "the name of the token that started it ('admin' for the admin session)" }),
  state: Type.Union([Type.Literal('waiting'), Type.Literal('running'), Type.Literal('finished')], {
    description: 'waiting: no process works it now (not taken yet, or the one working it stopped; the next to look takes it up)',
  }),
  resumed: Type.Boolean({ description: 'taken up again after the process working it stopped or died: it carries on from the first item without an outcome' }),
});

/** A stored job as the API shows it: its state read against the clock (a lease that ran out is nobody's). */
function jobView(job: BulkJob, now: number): Static<typeof Job> {
  const isHeld = job.leaseOwner !== null && job.leaseExpiresAt !== null && job.leaseExpiresAt > now;
  return {
    id: job.id,
    action: `exceptions.${job.action}`,
    total: job.total,
    done: job.done,
    failed: job.failed,
    finishedAt: job.finishedAt,
    createdAt: job.createdAt,
    startedBy: job.startedBy,
    state: job.finishedAt !== null ? 'finished' : isHeld ? 'running' : 'waiting',
    resumed: job.fence > 1,
  };
}

/** Pages through the filter once, at the start: the job's set is fixed, later exceptions are not swept in. */
const BULK_PAGE = 500;

export async function exceptionRoutes(app: FastifyInstance, context: ApiContext): Promise<void> {
  const { store, clock, engine } = context;

  /**
   * The run is queued under the ordering key of the input it will run with (the edited one, or its
   * own), read by the flow as loaded now, as ingest reads it: not the key stored at ingest, which
   * may be none (an event refused because the expression failed on it, the flow fixed since) or an
   * old expression's.
   */
  async function replay(exception: ExceptionRecord, input: unknown): Promise<{ runId: string }> {
    const orderingKey = await orderingKeyOfReplay(exception, input);
    const result = await store.replayException(exception.id, {
      now: clock.now(),
      ...(input === undefined ? {} : { input }),
      ...(orderingKey === undefined ? {} : { orderingKey }),
    });
    engine.kick();
    return result;
  }

  /**
   * The replayed run's ordering key, or undefined to keep the stored one. The replay is refused,
   * nothing changed, when the expression fails on the input rather than run without a key. A flow
   * this server has not loaded (renamed, removed) cannot read it: an edit is refused, as its key
   * would be the replaced input's; a plain replay keeps the stored key, read from the same input
   * when it was stored (the run waits for an engine that has the flow, and none is here to read it
   * again). A flow loaded here, disabled or not, always reads it.
   */
  async function orderingKeyOfReplay(exception: ExceptionRecord, input: unknown): Promise<string | null | undefined> {
    const flow = context.flows.get(exception.flowId);
    if (flow === undefined) {
      if (input === undefined) return undefined;
      throw new ApiProblem(409, 'flow-not-loaded', 'The flow is not loaded', `flow '${exception.flowId}' is not among this server's flows, so the ordering key of the edited input cannot be computed: nothing was changed. Replay it without an input, or where the flow is loaded.`);
    }
    const run = await store.getRun(exception.runId);
    if (run === undefined) throw notFound('run', exception.runId);
    try {
      return input === undefined ? await orderingKeyOfRunInput(flow, run.event) : await orderingKeyOfEditedInput(flow, run.event, input);
    } catch (error) {
      if (!(error instanceof OrderingKeyError)) throw error;
      if (input !== undefined) throw new ApiProblem(400, 'ordering-key-failed', 'The edited input has no ordering key', `${error.message}: nothing was changed`);
      throw new ApiProblem(400, 'ordering-key-failed', "The run's input has no ordering key", `${error.message}: nothing was changed. Fix the flow's orderingKey, or replay with an input it reads.`);
    }
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
    schema: {
      summary: 'Queue the run again, optionally with an edited input',
      description:
        "The run is queued under the ordering key the flow, as loaded now, reads from its input (the edited one when given). Problems: 400 `ordering-key-failed` when the flow's orderingKey cannot be read from that input; 409 `flow-not-loaded` for an edited input of a flow this server has not loaded (a plain replay of one keeps its stored key); 409 `not-open` when the exception is no longer open. Nothing is changed when refused.",
      tags: ['exceptions'],
      params: IdParams,
      body: Replay,
      response: { 200: Type.Object({ runId: Type.String() }) },
    },
    handler: async (request) => {
      const { id } = request.params as Static<typeof IdParams>;
      const { input } = request.body as Static<typeof Replay>;
      const result = await replay(await openException(id), input);
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

  /** The open exceptions among `ids`; refuses the request, before anything changes, if any id names no exception. */
  async function openAmong(ids: string[]): Promise<{ open: string[]; notOpen: string[] }> {
    const found = await Promise.all(ids.map(async (id) => ({ id, exception: await store.getException(id) })));
    const unknown = found.filter((entry) => entry.exception === undefined).map((entry) => entry.id);
    if (unknown.length > 0) {
      const named = unknown.slice(0, 5).map((id) => `'${id}'`).join(', ');
      throw new ApiProblem(400, 'unknown-exceptions', 'Unknown exceptions', `no exception ${named}${unknown.length > 5 ? ` and ${unknown.length - 5} more` : ''}: nothing was changed`);
    }
    return {
      open: found.filter((entry) => entry.exception!.status === 'open').map((entry) => entry.id),
      notOpen: found.filter((entry) => entry.exception!.status !== 'open').map((entry) => entry.id),
    };
  }

  /** Every open exception matching the filter now, paged through once: later arrivals are not swept in. */
  async function openMatching(filter: { flow?: string; reason?: string }): Promise<string[]> {
    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.operations.pageExceptions({
        status: 'open',
        limit: BULK_PAGE,
        ...(cursor === undefined ? {} : { cursor }),
        ...(filter.flow === undefined ? {} : { flowId: filter.flow }),
        ...(filter.reason === undefined ? {} : { reason: filter.reason as Reason }),
      });
      ids.push(...page.items.map((item) => item.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    return ids;
  }

  app.post('/exceptions/bulk', {
    config: { role: 'operator' },
    schema: {
      summary: 'Replay or discard, as a background job, exactly the OPEN exceptions named by ids, or every one matching a filter',
      tags: ['exceptions'],
      body: Bulk,
      response: { 202: BulkStarted },
    },
    handler: async (request, reply) => {
      const body = request.body as Static<typeof Bulk>;
      if (body.action === 'discard' && body.comment === undefined) throw new ApiProblem(400, 'comment-required', 'A comment is required', 'discarding needs a comment saying why');
      if ((body.ids === undefined) === (body.filter === undefined)) {
        throw new ApiProblem(400, 'invalid-selection', 'Bad request', 'send exactly one of ids (the exceptions to act on) and filter (every open exception matching it)');
      }
      const { open, notOpen } = body.ids === undefined ? { open: await openMatching(body.filter!), notOpen: [] } : await openAmong(body.ids);
      const comment = body.comment?.trim();
      const principal = request.principal!;
      const now = clock.now();
      const id = newId('job', now);
      const selection = body.ids === undefined ? { filter: body.filter } : { ids: open, ...(notOpen.length > 0 ? { notOpen } : {}) };
      // The job and its audit entry commit together; any process may then work it.
      const job = await context.jobs.start(
        { id, action: body.action, exceptionIds: open, ...(comment ? { comment } : {}), startedBy: principal.name, now },
        { at: now, actor: principal.name, role: principal.role, action: `exceptions.bulk_${body.action}`, target: id, detail: { ...selection, total: open.length, ...(comment ? { comment } : {}) } },
      );
      return reply.code(202).send({ jobId: job.id, total: job.total, notOpen });
    },
  });

  app.get('/jobs/:id', {
    config: { role: 'viewer' },
    schema: { summary: 'Progress of a bulk job, from the store: any process answers it, and it survives a restart', tags: ['exceptions'], params: IdParams, response: { 200: Job } },
    handler: async (request) => {
      const { id } = request.params as Static<typeof IdParams>;
      const job = await context.jobs.get(id);
      if (job === undefined) throw notFound('job', id);
      return jobView(job, clock.now());
    },
  });
}
