import { request, type Dispatcher } from 'undici';
import { MAX_RETRY_AFTER_MS, parseRetryAfter } from '@weft/sdk';
import { EgressDeniedError } from '../../connectors/egress-guard.ts';
import type { HttpCallStep } from '../../flows/flow-schema.ts';
import type { LoadedFlow } from '../../flows/load-flow.ts';
import { toMs } from '../../core/duration.ts';
import { idempotencyKey, sha256Hex } from '../../core/ids.ts';
import type { Clock } from '../../core/clock.ts';
import type { CallAnswer, CallRequestRecord, ExceptionRecord, Store } from '../../store/store.ts';
import type { Reason } from '../../core/exception.ts';
import { classifyStatus, describeFailure, reasonForStatus } from '../classify-response.ts';
import { capBody, credentialScrubber, maskUrlAfterHost, redactBody, redactHeaders, redactUrl, type CredentialScrubber } from '../redact.ts';
import { describeNetworkError, flattenHeaders, requestDeadline } from '../outbound-request.ts';
import { PostponeError, StepFailedError } from '../step-failure.ts';
import type { Scope } from '../scope.ts';
import type { CheckpointSink } from '../executor.ts';

export interface CallStepDeps {
  store: Store;
  clock: Clock;
  dispatcher: Dispatcher;
  auditBodyBytes: number;
  redactFields: string[];
  /**
   * Holds this process learned of, by destination origin. The store's copy tells other
   * workers; this one takes effect before the next request leaves, without a commit between.
   */
  holds: Map<string, number>;
}

export interface CallContext {
  flow: LoadedFlow;
  runId: string;
  eventId: string;
  stepPath: string;
  /** 1 for the first try of this step. */
  attempt: number;
  signal: AbortSignal;
  /** The run's write queue: audit records ride along, and intent is durable before sending. */
  writes: Pick<CheckpointSink, 'defer' | 'settle'>;
}

export interface CallOutput {
  status: number;
  body: unknown;
}

const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * One HTTP call under the effect ledger (guarantee 2): a done effect is never sent again; a
 * pending one is re-sent with the same idempotency key, which the destination deduplicates.
 * Returns the output and the effect key the caller must mark done with the checkpoint.
 */
export async function executeCallStep(
  deps: CallStepDeps,
  ctx: CallContext,
  step: HttpCallStep,
  scope: Scope,
): Promise<{ output: CallOutput; effectKey?: string }> {
  const call = step.call;
  const url = parseCallUrl(await ctx.flow.template(call.url).render(scope), ctx.stepPath, call.url);
  const audit = auditRuleFor(ctx.flow, call.url, url);
  for (const [name, value] of Object.entries(call.query ?? {})) {
    url.searchParams.set(name, await ctx.flow.template(value).render(scope));
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(call.headers ?? {})) {
    headers[name.toLowerCase()] = await ctx.flow.template(value).render(scope);
  }
  let body: string | undefined;
  if (call.body !== undefined) {
    body = JSON.stringify((await ctx.flow.expression(call.body).evaluate(scope)) ?? null);
    headers['content-type'] ??= 'application/json';
  }
  const method = call.method ?? 'POST';
  const idempotencyHeader = call.idempotencyHeader === false ? undefined : (call.idempotencyHeader ?? 'Idempotency-Key').toLowerCase();
  const outgoing = (key: string): RenderedRequest => ({ method, url, body, headers: idempotencyHeader === undefined ? headers : { ...headers, [idempotencyHeader]: key } });
  // Begun with `call`, an effect that is to be sent always has its audit record started.
  return withEffectLedger(deps, ctx, (key, audited) => sendCall(deps, ctx, step, scope, outgoing(key), audited!, audit.scrub), {
    destination: url.origin,
    requestHash: sha256Hex(`${method} ${url.toString()}\n${body ?? ''}`),
    call: (key) => auditedRequest(deps, ctx, outgoing(key), audit),
  });
}

/** What a call's audit record hides by value, and whether its url is a credential as a whole. */
interface CallAuditRule {
  scrub: CredentialScrubber;
  /** The url is one reference (`url: ${env:SLACK_WEBHOOK_URL}`): the record keeps its scheme and host only. */
  urlIsCredential: boolean;
}

/**
 * A url template that is a single `${env:…}` or `${secret:…}` reference (the syntax of
 * flows/references.ts): the whole address is configuration, and may be a secret as a whole, as a
 * Slack incoming webhook is (https://hooks.slack.com/services/T…/B…/…, the path is the key).
 * An `${env:…}` that only begins the url (`${env:ERP_URL}/orders`) gives a base the record shows.
 */
const WHOLE_REFERENCE = /^\s*\$\{\s*(?:env|secret)\s*:\s*[A-Za-z_][A-Za-z0-9_]*\s*\}\s*$/;

/** Per loaded flow (a reload makes a new one) and url template: built once, read by every call. */
const auditRules = new WeakMap<LoadedFlow, Map<string, CallAuditRule>>();

/**
 * The flow's credential values, and for a url that is one reference the path and query it resolves
 * to as well, since a vendor may quote the address it was called at. That url renders the same for
 * every call of the flow (references resolve at load), so the first call's is everyone's.
 */
function auditRuleFor(flow: LoadedFlow, urlTemplate: string, url: URL): CallAuditRule {
  let rules = auditRules.get(flow);
  if (rules === undefined) auditRules.set(flow, (rules = new Map()));
  let rule = rules.get(urlTemplate);
  if (rule === undefined) {
    const urlIsCredential = WHOLE_REFERENCE.test(urlTemplate);
    const hiddenPart = urlIsCredential ? (url.pathname + url.search).replace(/^\/+/, '') : '';
    rule = { scrub: credentialScrubber([...(flow.credentialValues ?? []), ...(hiddenPart === '' ? [] : [hiddenPart])]), urlIsCredential };
    rules.set(urlTemplate, rule);
  }
  return rule;
}

/** A call's audit record once started: what it sends, with the attempt the store recorded. */
export interface AuditedCall {
  id: number;
  request: CallRequestRecord;
}

/**
 * The effect ledger around one external write (guarantee 2): a done effect is never sent
 * again — its recorded output stands in — and the intent is durable before anything is sent.
 * The caller marks the effect done with its checkpoint, in the same transaction. With a
 * `destination`, a hold on it (ADR-0004: this process's, or the store's, read with the intent)
 * postpones the run instead of sending. With `call`, the request's audit record is started in
 * the same write as the intent, so it is on record before the request leaves; `send` gets it to
 * complete with the answer.
 */
export async function withEffectLedger<T>(
  deps: Pick<CallStepDeps, 'store' | 'clock' | 'holds'>,
  ctx: CallContext,
  send: (idempotencyKey: string, audited: AuditedCall | undefined) => Promise<T>,
  options: { destination?: string; requestHash?: string; call?: (idempotencyKey: string) => CallRequestRecord; key?: string } = {},
): Promise<{ output: T; effectKey?: string }> {
  const { destination, requestHash } = options;
  const key = options.key ?? idempotencyKey(ctx.flow.flow.id, ctx.eventId, ctx.stepPath);
  const request = options.call?.(key);
  const begun = deps.store.beginEffect({
    key,
    runId: ctx.runId,
    stepPath: ctx.stepPath,
    now: deps.clock.now(),
    ...(destination === undefined ? {} : { destination }),
    ...(requestHash === undefined ? {} : { requestHash }),
    ...(request === undefined ? {} : { call: request }),
  });
  ctx.writes.defer(begun);
  try {
    await ctx.writes.settle();
  } catch (error) {
    // An earlier write of the run failed (a lost lease, a store that cannot commit): nothing is
    // sent, so the audit record begun with the intent goes, or it would read as interrupted and
    // bump the next attempt. The pending intent may stay: it is re-sent under the same key.
    ctx.writes.defer(begun.then(({ call }) => (call === undefined ? undefined : deps.store.discardCall(call.id))));
    throw error;
  }
  const { effect, destinationHold, call: started } = await begun;
  if (effect.status === 'done') {
    // A replay whose edited input changes what this step sends (an item removed from an `each`
    // without a `key` shifts the rest into other items' places): the recorded result belongs to
    // other data. Nothing else meets a done effect again: it commits with its step's checkpoint,
    // and only an edited replay clears checkpoints. A request carrying the time renders the same
    // again: $now() reads the run's recorded time (transforms/flow-time.ts).
    if (requestHash !== undefined && effect.requestHash !== null && effect.requestHash !== requestHash) {
      throw new StepFailedError({
        retryable: false,
        reason: 'conflict',
        message: `The step '${ctx.stepPath}' was already done for different data: its effect (idempotency key ${key}) was sent before the input was edited, with another request. Weft neither sends it again nor passes the earlier result off as this one's. Check what the destination holds; keep each item of an edited input in its place (or give the each step a \`key\`), or discard this exception.`,
      });
    }
    return { output: effect.result as T };
  }
  if (options.key === undefined && requestHash !== undefined && effect.requestHash !== null && effect.requestHash !== requestHash) {
    // Nothing is sent under this key: the request differs from the one it was first sent with.
    if (started !== undefined) ctx.writes.defer(deps.store.discardCall(started.id));
    return withEffectLedger(deps, ctx, send, { ...options, key: await keyForEditedRequest(deps, ctx, key, requestHash) });
  }
  if (destination !== undefined) {
    const hold = Math.max(deps.holds.get(destination) ?? 0, destinationHold ?? 0);
    const now = deps.clock.now();
    // No Retry-After is honoured for longer than MAX_RETRY_AFTER_MS, so a hold beyond it was
    // recorded uncapped by an older version: ignored, or it would postpone every run for years.
    if (hold > now && hold <= now + MAX_RETRY_AFTER_MS) {
      // Nothing leaves: the audit keeps no request that was never sent.
      if (started !== undefined) ctx.writes.defer(deps.store.discardCall(started.id));
      throw new PostponeError(hold);
    }
  }
  const audited = started === undefined || request === undefined ? undefined : { id: started.id, request: { ...request, attempt: started.attempt } };
  return { output: await send(key, audited), effectKey: key };
}

/**
 * Exception reasons by which a destination refused a request without acting on it: the data
 * (a 422, a SOAP fault naming an unknown record), the record addressed, the credentials.
 */
const REFUSED_WITHOUT_EFFECT: ReadonlySet<Reason> = new Set(['validation', 'not-found', 'auth']);

/**
 * The key for a step whose request changed since its effect was begun (an edited replay of a
 * step that failed) and whose effect is not done. The earlier key cannot carry it: destinations
 * that compare requests refuse a different one under a used key (Stripe: "Keys for idempotent
 * requests can only be used with the same parameters they were first used with"), others answer
 * with the earlier request's result. So the edited request gets a key of its own, derived from
 * it, when the step's last exception says the destination refused the earlier request without
 * acting on it. Otherwise it may have acted (it was down, timed out, answered nothing), and a new
 * key could do the work twice: the step parks as a conflict for a person. A key derived before
 * (a crash after it was begun) is used again without asking.
 */
async function keyForEditedRequest(deps: Pick<CallStepDeps, 'store'>, ctx: CallContext, firstKey: string, requestHash: string): Promise<string> {
  const key = idempotencyKey(ctx.flow.flow.id, ctx.eventId, `${ctx.stepPath}#${requestHash.slice(0, 16)}`);
  if ((await deps.store.getEffect(key)) !== undefined) return key;
  const exceptions = await deps.store.listExceptions({ runId: ctx.runId });
  const last = exceptions
    .filter((exception) => exception.stepPath === ctx.stepPath)
    .reduce<ExceptionRecord | undefined>((latest, exception) => (latest === undefined || exception.createdAt > latest.createdAt ? exception : latest), undefined);
  if (last !== undefined && REFUSED_WITHOUT_EFFECT.has(last.reason)) return key;
  const outcome = last === undefined ? 'its outcome is not on record' : `it last failed as ${last.reason}`;
  throw new StepFailedError({
    retryable: false,
    reason: 'conflict',
    message: `The step '${ctx.stepPath}' was sent before the input was edited, with another request under idempotency key ${firstKey}, and ${outcome}: the destination may have acted on it. Weft sends the edited request neither under that key (it would be refused, or answered with the earlier result) nor under a new one (it could do the work twice). Check what the destination holds; then discard this exception, or ${replayAsFirstSent(exceptions)}`,
  });
}

/**
 * How to send the first request again. A replay without `--input` keeps the edited input (it
 * replaced the run's), so the way back is the input the run had before any edit: the one its
 * first exception recorded, since an edit is only made by replaying an exception.
 */
function replayAsFirstSent(exceptions: readonly ExceptionRecord[]): string {
  const first = exceptions.reduce<ExceptionRecord | undefined>((earliest, exception) => (earliest === undefined || exception.createdAt < earliest.createdAt ? exception : earliest), undefined);
  if (first === undefined) return 'replay it with the input as it was first received.';
  return `replay it with the input as it was first received, which exception ${first.id} shows (\`weft exceptions show ${first.id}\`): saved to a file and given with \`--input\`, it sends the first request again under that key. A replay without \`--input\` keeps the edited input and parks here again.`;
}

interface RenderedRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body: string | undefined;
}

/**
 * The audit record of a request: redacted and capped, as the log keeps it. Credentials are hidden
 * by name, and those from the flow's references also by value, since a header or query parameter
 * may carry one under any name; a url that is a credential as a whole keeps its scheme and host.
 * Scrubbed before the cap, which could leave part of a value.
 */
function auditedRequest(deps: CallStepDeps, ctx: CallContext, { method, url, headers, body }: RenderedRequest, { scrub, urlIsCredential }: CallAuditRule): CallRequestRecord {
  return {
    at: deps.clock.now(),
    flowId: ctx.flow.flow.id,
    runId: ctx.runId,
    stepPath: ctx.stepPath,
    attempt: ctx.attempt,
    method,
    url: urlIsCredential ? maskUrlAfterHost(url.toString()) : scrub.url(redactUrl(url.toString(), deps.redactFields)),
    requestHeaders: scrub.headers(redactHeaders(headers)),
    requestBody: capBody(body === undefined ? null : scrub.text(redactBody(body, deps.redactFields, headers['content-type'])), deps.auditBodyBytes),
  };
}

async function sendCall(
  deps: CallStepDeps,
  ctx: CallContext,
  step: HttpCallStep,
  scope: Scope,
  rendered: RenderedRequest,
  audited: AuditedCall,
  scrub: CredentialScrubber,
): Promise<CallOutput> {
  const { store, clock } = deps;
  const call = step.call;
  const { method, url, headers, body } = rendered;
  const destination = url.origin;
  // Only a failure needs the sentence's subject ("order 5000123"), so it is evaluated then.
  const describeSubject = async () =>
    call.describe ? String((await ctx.flow.expression(call.describe).evaluate(scope).catch(() => undefined)) ?? '') || undefined : undefined;
  const destinationName = call.destination ?? url.host;
  const timeoutMs = call.timeout === undefined ? DEFAULT_TIMEOUT_MS : toMs(call.timeout);
  const startedAt = clock.now();
  // The record's `at` was taken before the intent's commit: from the answer on, it is when the
  // request left, which `durationMs` counts from (a trace span runs from `at` to `at + durationMs`).
  const recordAnswer = (answer: CallAnswer) => ctx.writes.defer(store.completeCall({ ...audited.request, at: startedAt, id: audited.id, ...answer }));

  const deadline = requestDeadline(ctx.signal, timeoutMs);
  let status: number;
  let responseHeaders: Record<string, string>;
  let responseText: string;
  try {
    const response = await request(url, { method, headers, body, dispatcher: deps.dispatcher, signal: deadline.signal });
    status = response.statusCode;
    responseHeaders = flattenHeaders(response.headers);
    holdIfAsked(deps, destination, status, responseHeaders);
    responseText = await response.body.text();
  } catch (error) {
    const timedOut = deadline.hasTimedOut();
    const networkError = timedOut ? undefined : describeNetworkError(error);
    recordAnswer({
      status: null,
      durationMs: clock.now() - startedAt,
      responseHeaders: {},
      responseBody: null,
      error: timedOut ? `timeout after ${timeoutMs} ms` : error instanceof EgressDeniedError ? error.message : (networkError ?? 'request failed'),
    });
    if (ctx.signal.aborted) throw error;
    if (error instanceof EgressDeniedError) {
      // A policy refusal, not an outage: retrying cannot help, a person must allow-list it.
      throw new StepFailedError({ retryable: false, reason: 'egress-denied', message: `Weft ${error.message}.` });
    }
    throw new StepFailedError({
      retryable: true,
      reason: timedOut ? 'timeout' : 'destination-down',
      message: describeFailure({ destination: destinationName, subject: await describeSubject(), timedOut, timeoutMs, networkError }),
    });
  } finally {
    deadline.dispose();
  }

  // A destination may echo a credential (an error quoting the key it refused, a token endpoint).
  const auditedHeaders = scrub.headers(redactHeaders(responseHeaders));
  const auditedBody = capBody(scrub.text(redactBody(responseText, deps.redactFields, responseHeaders['content-type'])), deps.auditBodyBytes);
  recordAnswer({ status, durationMs: clock.now() - startedAt, responseHeaders: auditedHeaders, responseBody: auditedBody, error: null });

  const verdict = classifyStatus(status, call.responses);
  if (verdict === 'ok') return { status, body: parseBody(responseText) };

  const retryAfterMs = parseRetryAfter(responseHeaders['retry-after'], clock.now());
  const heldUntil = deps.holds.get(destination);
  if (heldUntil !== undefined && heldUntil > clock.now()) ctx.writes.defer(store.holdDestination(destination, heldUntil));
  throw new StepFailedError({
    retryable: verdict === 'retryable',
    reason: reasonForStatus(status),
    message: describeFailure({ destination: destinationName, subject: await describeSubject(), status, responseBody: scrub.text(responseText) }),
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    lastResponse: { status, headers: auditedHeaders, body: auditedBody ?? '' },
  });
}

/**
 * A 429 (or a 503 with Retry-After) speaks for the destination, not this one request: every
 * run calling it waits, not only the one that was told (ADR-0004). Synchronous, so no other
 * run's request can slip out between the answer and the hold.
 */
function holdIfAsked(deps: CallStepDeps, destination: string, status: number, headers: Record<string, string>): void {
  if (status !== 429 && status !== 503) return;
  const retryAfterMs = parseRetryAfter(headers['retry-after'], deps.clock.now());
  if (retryAfterMs === undefined) return;
  const until = deps.clock.now() + retryAfterMs;
  if (until > (deps.holds.get(destination) ?? 0)) deps.holds.set(destination, until);
}

/**
 * A URL template that renders no URL is the flow's mapping failing on this event's data, not a
 * bug. The sentence quotes the template as written, never the rendered URL, which may carry
 * resolved secrets.
 */
function parseCallUrl(rendered: string, stepPath: string, template: string): URL {
  try {
    return new URL(rendered);
  } catch {
    throw new StepFailedError({
      retryable: false,
      reason: 'mapping',
      message: `The URL of step '${stepPath}' is not a valid URL once its template '${template}' is filled in with this event's data.`,
    });
  }
}

function parseBody(text: string): unknown {
  if (text === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
