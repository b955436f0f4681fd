import { Value } from '@sinclair/typebox/value';
import { isConnectorError, pages, type Action, type ConnectorError } from '@weft/sdk';
import type { ConnectorCallStep } from '../../flows/flow-schema.ts';
import { toMs } from '../../core/duration.ts';
import { CapacityWaitError, createConnectorHttpClient } from '../../connectors/connector-http.ts';
import { ConnectionError, type ConnectionRuntime, type ResolvedConnection } from '../../connectors/connection-runtime.ts';
import { EgressDeniedError } from '../../connectors/egress-guard.ts';
import { PostponeError, StepFailedError } from '../step-failure.ts';
import type { Scope } from '../scope.ts';
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

  return withEffectLedger(deps, ctx, async (key) => {
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
      headers: call.idempotencyHeader === false ? {} : { [(call.idempotencyHeader ?? 'Idempotency-Key').toLowerCase()]: key },
      audit: (record) => {
        if (record.status !== null) lastAudited = { status: record.status, headers: record.responseHeaders, body: record.responseBody ?? '' };
        ctx.writes.defer(deps.store.recordCall({ ...record, flowId: ctx.flow.flow.id, runId: ctx.runId, stepPath: ctx.stepPath, attempt: ctx.attempt }));
      },
      auditBodyBytes: deps.auditBodyBytes,
      redactFields: deps.redactFields,
    });
    try {
      return await runAction(action, resolved, input, http, ctx.signal);
    } catch (error) {
      // The connection's budget is full: wait as a persisted schedule, spending no attempt.
      if (error instanceof CapacityWaitError) throw new PostponeError(error.until);
      if (ctx.signal.aborted || error instanceof EgressDeniedError || !isConnectorError(error)) throw error;
      const subject = call.describe ? String((await ctx.flow.expression(call.describe).evaluate(scope).catch(() => '')) ?? '') : '';
      throw new StepFailedError({ ...toStepFailure(error, resolved, subject), ...(lastAudited ? { lastResponse: lastAudited } : {}) });
    }
  });
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

function toStepFailure(error: ConnectorError, resolved: ResolvedConnection, subject: string) {
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
    message: sentence.replace(/\.\.$/, '.'),
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  };
}
