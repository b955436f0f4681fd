import { Value } from '@sinclair/typebox/value';
import { isConnectorError, pages, type Action, type Connector, type ConnectorError } from '@weft/sdk';
import type { ConnectorCallStep } from '../../flows/flow-schema.ts';
import { toMs } from '../../core/duration.ts';
import { sha256Hex } from '../../core/ids.ts';
import { CapacityWaitError, createConnectorHttpClient } from '../../connectors/connector-http.ts';
import { ConnectionError, type ConnectionRuntime, type ResolvedConnection } from '../../connectors/connection-runtime.ts';
import { EgressDeniedError } from '../../connectors/egress-guard.ts';
import { PostponeError, StepFailedError } from '../step-failure.ts';
import type { Scope } from '../scope.ts';
import { XrefConflictError, type XrefRef } from '../../xref/xref-plan.ts';
import { xrefId } from './canonical-steps.ts';
import { withEffectLedger, type CallContext, type CallStepDeps } from './call-step.ts';

export interface ActionStepDeps extends CallStepDeps {
  connections: ConnectionRuntime;
}

const DEFAULT_TIMEOUT_MS = 30_000;

/** `call: { connection, action, input }`: a connector's action, under the effect ledger. */
export async function executeActionStep(
  deps: ActionStepDeps,
  ctx: CallContext,
  step: ConnectorCallStep,
  scope: Scope,
): Promise<{ output: unknown; effectKey?: string }> {
  const { call } = step;
  const resolved = await deps.connections.resolve(call.connection).catch((error: unknown) => {
    if (error instanceof ConnectionError) throw new StepFailedError({ retryable: false, reason: 'validation', message: `The step '${step.id}' cannot run: ${error.message}.` });
    throw error;
  });
  const action = resolved.connector.actions.find((candidate) => candidate.id === call.action);
  if (!action) {
    const known = resolved.connector.actions.map((a) => a.id).join(', ');
    throw new StepFailedError({ retryable: false, reason: 'validation', message: `The connector '${resolved.connector.id}' has no action '${call.action}' (it has: ${known}).` });
  }
  const input = call.input === undefined ? {} : await ctx.flow.expression(call.input).evaluate(scope);
  if (!Value.Check(action.input, input)) {
    const problems = [...Value.Errors(action.input, input)].slice(0, 3).map((e) => `${e.path || '/'} ${e.message}`);
    throw new StepFailedError({ retryable: false, reason: 'validation', message: `The input of ${resolved.connector.name} action '${action.id}' is invalid: ${problems.join('; ')}.`, });
  }

  const xref = call.xref === undefined ? undefined : await xrefOf(deps, ctx, step, action, scope);
  // Under the ledger, so a replay of a done step gets its checkpointed output back unchanged.
  return withEffectLedger(deps, ctx, async (key) => {
    if (xref !== undefined) {
      // Lookup-before-create: a record this source already has in the destination is reused, so a
      // second order from one customer does not create a second customer, whatever the vendor's
      // idempotency support.
      if (xref.existing !== undefined) return reuseLinked(deps, xref.existing, key);
      // This effect created a record already, whose link was refused (the run parked as a
      // conflict): its replay links that record. Creating again would make a second one at a
      // vendor without idempotency keys, and leave the first orphaned.
      const earlier = await createdEarlier(deps, step, xref, key);
      if (earlier !== undefined) return linkCreated(deps, step, xref, earlier, key);
    }
    // The last response, as audited (redacted, capped): an exception shows it to the operator.
    let lastAudited: { status: number; headers: Record<string, string>; body: string } | undefined;
    const http = createConnectorHttpClient({
      connector: resolved.connector,
      action,
      limiter: resolved.limiter,
      connection: resolved.connection.id,
      baseUrl: resolved.baseUrl,
      auth: resolved.auth,
      dispatcher: deps.dispatcher,
      clock: deps.clock,
      signal: ctx.signal,
      timeoutMs: call.timeout === undefined ? DEFAULT_TIMEOUT_MS : toMs(call.timeout),
      ...idempotencyCarrier(call.idempotencyHeader, resolved.connector.idempotencyKey, key),
      audit: async (request) => {
        // Durable before the request leaves, like a call step's record (which rides with the intent).
        const started = deps.store.startCall({ ...request, flowId: ctx.flow.flow.id, runId: ctx.runId, stepPath: ctx.stepPath, attempt: ctx.attempt });
        ctx.writes.defer(started);
        try {
          await ctx.writes.settle();
        } catch (error) {
          // An earlier write of the run failed (a page's answer, a lost lease): the request does not
          // leave, so its record goes too, or it would read as interrupted and bump the next attempt.
          ctx.writes.defer(started.then(({ id }) => deps.store.discardCall(id)));
          throw error;
        }
        const { id, attempt } = await started;
        return {
          answered: (answer, sentAt) => {
            if (answer.status !== null) lastAudited = { status: answer.status, headers: answer.responseHeaders, body: answer.responseBody ?? '' };
            ctx.writes.defer(deps.store.completeCall({ ...request, at: sentAt, flowId: ctx.flow.flow.id, runId: ctx.runId, stepPath: ctx.stepPath, attempt, id, ...answer }));
          },
          unsent: () => ctx.writes.defer(deps.store.discardCall(id)),
        };
      },
      auditBodyBytes: deps.auditBodyBytes,
      redactFields: deps.redactFields,
    });
    let record: unknown;
    try {
      record = await runAction(action, resolved, input, http, ctx.signal);
    } catch (error) {
      // The connection's budget is full: wait as a persisted schedule, spending no attempt.
      if (error instanceof CapacityWaitError) throw new PostponeError(error.until);
      if (ctx.signal.aborted || error instanceof EgressDeniedError || !isConnectorError(error)) throw error;
      // The step asked for absence as an answer: recorded as the effect's output like any other.
      if (call.onNotFound === 'continue' && error.reason === 'not-found') return null;
      const subject = call.describe ? String((await ctx.flow.expression(call.describe).evaluate(scope).catch(() => '')) ?? '') : '';
      const failure = toStepFailure(error, resolved, subject, http.scrubCredentials);
      // A create that conflicts ("that name exists") while another run of the same record is
      // creating it: the retry looks the link up again and reuses what that run made.
      const retryable = failure.retryable || (xref !== undefined && failure.reason === 'conflict');
      throw new StepFailedError({ ...failure, retryable, ...(lastAudited ? { lastResponse: lastAudited } : {}) });
    }
    if (xref === undefined) return record;
    const id = xref.idOf(record);
    if (id === undefined || id === '') {
      throw new StepFailedError({ retryable: false, reason: 'bug', message: `The action '${step.call.action}' succeeded but its output holds no ${xref.entity} id to link.` });
    }
    return linkCreated(deps, step, xref, { id, record }, key);
  }, { requestHash: sha256Hex(JSON.stringify([call.connection, action.id, input])) });
}

interface StepXref {
  entity: string;
  from: XrefRef;
  idOf: (output: unknown) => string | undefined;
  /** The destination's id when the source is linked already. */
  existing?: string;
}

async function xrefOf(deps: ActionStepDeps, ctx: CallContext, step: ConnectorCallStep, action: Action, scope: Scope): Promise<StepXref> {
  const declared = action.xref;
  if (declared === undefined) {
    throw new StepFailedError({
      retryable: false,
      reason: 'validation',
      message: `The step '${step.id}' links a cross-reference, but action '${action.id}' creates nothing it can link (it declares no xref).`,
    });
  }
  const from = { system: step.call.xref!.from.system, id: await xrefId((source) => ctx.flow.expression(source).evaluate(scope), step.call.xref!.from.id, `the xref of step '${step.id}'`) };
  const existing = (await deps.store.xref.find(declared.entity, from))?.links.find((link) => link.system === step.call.connection)?.id;
  return { entity: declared.entity, from, idOf: (output) => declared.id(output as never), ...(existing === undefined ? {} : { existing }) };
}

/**
 * The output of a step whose source is linked already: the linked id, nothing sent. The link may
 * be this very effect's own: it commits before the step's checkpoint, so a process that stopped
 * in between retries the effect and finds it. Then the output is what the first attempt returned
 * (created, with its record), or a step reading `created` would take a new record for an old one.
 */
async function reuseLinked(deps: ActionStepDeps, existing: string, effectKey: string): Promise<{ id: string; created: boolean; record: unknown }> {
  const creation = await deps.store.xref.creationOf(effectKey);
  // Compared by id: an operator may have unlinked it and linked another since (then it is reused).
  if (creation !== undefined && creation.id === existing) return { id: existing, created: true, record: creation.record };
  return { id: existing, created: false, record: null };
}

/**
 * The record this effect created in an earlier attempt and could not link (`linkCreated` keeps it
 * with the refused link). Only one of the step's entity in its connection's system: a flow edited
 * since to create elsewhere creates there.
 */
async function createdEarlier(deps: ActionStepDeps, step: ConnectorCallStep, xref: StepXref, effectKey: string): Promise<{ id: string; record: unknown } | undefined> {
  const creation = await deps.store.xref.creationOf(effectKey);
  if (creation === undefined || creation.entity !== xref.entity || creation.system !== step.call.connection) return undefined;
  return { id: creation.id, record: creation.record };
}

/**
 * Links the record the action created to the step's source, noting the effect that created it
 * (see `reuseLinked`), also when the link is refused: a conflict parks the run for a person, and
 * the replay after the unlink links this record (`createdEarlier`) rather than creating another.
 */
async function linkCreated(deps: ActionStepDeps, step: ConnectorCallStep, xref: StepXref, { id, record }: { id: string; record: unknown }, effectKey: string): Promise<unknown> {
  try {
    await deps.store.xref.link(xref.entity, xref.from, { system: step.call.connection, id }, deps.clock.now(), { effectKey, record });
  } catch (error) {
    if (!(error instanceof XrefConflictError)) throw error;
    // The sentence names the stored link in the way and the exact command that takes it out, so
    // the person who reads the exception can act without looking the groups up first.
    const remedy = error.remedy('then replay');
    const next =
      remedy === undefined
        ? `The step's xref.from names ${step.call.connection}, the system it creates in, where it must name the source; no unlink resolves that: correct the flow, then discard this exception.`
        : `${remedy}. Otherwise discard this exception.`;
    throw new StepFailedError({ retryable: false, reason: 'conflict', message: `Cross-reference conflict: ${error.message}. ${next}` });
  }
  return { id, created: true, record };
}

async function runAction(action: Action, resolved: ResolvedConnection, input: unknown, http: ReturnType<typeof createConnectorHttpClient>, signal: AbortSignal): Promise<unknown> {
  if (action.kind === 'code') {
    return action.run({ input, http, signal, connection: { id: resolved.connection.id, config: resolved.connection.config }, log: silentLog });
  }
  const first = action.request(input);
  if (!action.pagination) {
    const response = await http.request(first);
    return action.response ? action.response(response.body) : response.body;
  }
  const items: unknown[] = [];
  for await (const page of pages(action.pagination, first, (request) => http.request(request))) items.push(...page.items);
  return action.response ? action.response(items) : items;
}

/** Connector code logs through the engine's logger in a later step; until then it is quiet. */
const silentLog = { debug() {}, info() {}, warn() {}, error() {} };

/** The exception's sentence, from the vendor's own words; credentials it quotes (a refused key) are scrubbed. */
function toStepFailure(error: ConnectorError, resolved: ResolvedConnection, subject: string, scrubCredentials: (text: string) => string) {
  const name = resolved.connector.name;
  const vendorMessage = (error.details as { vendorMessage?: unknown } | undefined)?.vendorMessage;
  const words = typeof vendorMessage === 'string' ? vendorMessage : error.message.replace(/ \(HTTP \d+\)$/, '');
  const status = error.status === undefined ? '' : ` (HTTP ${error.status})`;
  const what = subject || 'the request';
  const sentence =
    error.reason === 'auth'
      ? `${name} refused the credentials of connection '${resolved.connection.id}'${subject ? ` for ${subject}` : ''}: ${words}${status}.`
      : error.retryable
        ? `${name} could not take ${what} now: ${words}${status}.`
        : `${name} rejected ${what}: ${words}${status}.`;
  const retryAfterMs = (error as { retryAfterMs?: number }).retryAfterMs;
  return {
    retryable: error.retryable,
    reason: error.reason,
    message: scrubCredentials(sentence.replace(/\.\.$/, '.')),
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  };
}

/**
 * Where the effect key goes: the step's `idempotencyHeader` decides when it is set (false: nowhere),
 * else the connector's declaration, else the `Idempotency-Key` header.
 */
function idempotencyCarrier(
  stepHeader: string | false | undefined,
  declared: Connector['idempotencyKey'],
  key: string,
): { headers?: Record<string, string>; query?: Record<string, string> } {
  if (stepHeader === false || (stepHeader === undefined && declared === 'none')) return {};
  if (stepHeader !== undefined) return { headers: { [stepHeader.toLowerCase()]: key } };
  if (declared === undefined || declared === 'none') return { headers: { 'idempotency-key': key } };
  return declared.in === 'query' ? { query: { [declared.name]: key } } : { headers: { [declared.name.toLowerCase()]: key } };
}
