import type { CodeStep, Step } from '../flows/flow-schema.ts';
import { isConnectorCall, stepKindOf } from '../flows/flow-schema.ts';
import type { LoadedFlow } from '../flows/load-flow.ts';
import { toMs } from '../core/duration.ts';
import { keyText } from '../core/ids.ts';
import { itemPathPrefix } from '../core/step-path.ts';
import type { StepCheckpoint } from '../core/run.ts';
import { ExpressionError } from '../transforms/expression.ts';
import { flowTimeOf, setFlowTime } from '../transforms/flow-time.ts';
import { isTruthy } from '../transforms/truthiness.ts';
import type { ClaimedRun } from '../store/store.ts';
import { executeCallStep } from './steps/call-step.ts';
import { formatSeconds } from './classify-response.ts';
import { CodeEgressDeniedError, CodeFailedError, CodeOutputError, CodeTimeoutError, type CodeRunner } from './code-runner.ts';
import { executeActionStep, type ActionStepDeps } from './steps/action-step.ts';
import { StepFailedError } from './step-failure.ts';
import { executeLookupStep, executeMappingStep, executeValidateStep } from './steps/canonical-steps.ts';
import { executeReconcileStep } from './steps/reconcile-step.ts';
import type { RepairLauncher } from './repairs.ts';
import type { Scope } from './scope.ts';

export type ExecutionResult = { status: 'completed' } | { status: 'waiting'; until: number };

/**
 * Where a run's writes go; the worker binds it to the run's fencing token. Writes are queued
 * and commit with the store's next group commit; `settle` waits until they are durable. A run
 * settles before anything leaves the process (a request, a code step) and before it finishes,
 * so a pure step's checkpoint shares a commit with the next effect's intent instead of costing
 * a commit of its own.
 */
export interface CheckpointSink {
  checkpoint(checkpoint: StepCheckpoint, options?: { effectKey?: string; waitUntil?: number }): void;
  /** Another write of this run (an audit record, an effect's intent). */
  defer(write: Promise<unknown>): void;
  /** Wait until every queued write is durable; throws the first that failed (a lost lease). */
  settle(): Promise<void>;
}

export interface ExecutorDeps extends ActionStepDeps {
  repairs: RepairLauncher;
  /** Runs code steps in worker threads, within their budget. */
  code: CodeRunner;
}

/** A code step's budget when it names no `timeout`. */
const DEFAULT_CODE_TIMEOUT_MS = 30_000;

type ListOutcome = { status: 'continue' } | { status: 'ended' } | { status: 'waiting'; until: number };

/**
 * Walks a run's steps. A step with a checkpoint is never executed again: its recorded output
 * is put back in scope. Each new step's result is checkpointed before the next step starts.
 */
export async function executeRun(
  deps: ExecutorDeps,
  flow: LoadedFlow,
  run: ClaimedRun,
  sink: CheckpointSink,
  signal: AbortSignal,
): Promise<ExecutionResult> {
  const done = new Map(run.checkpoints.map((c) => [c.path, c]));
  const attemptOf = (path: string) => (run.attempt.path === path ? run.attempt.count + 1 : 1);
  const context = { deps, flow, run, sink, signal, done, attemptOf };
  const outcome = await executeSteps(context, flow.flow.steps, '', { trigger: run.event, steps: {} });
  return outcome.status === 'waiting' ? outcome : { status: 'completed' };
}

interface RunContext {
  deps: ExecutorDeps;
  flow: LoadedFlow;
  run: ClaimedRun;
  sink: CheckpointSink;
  signal: AbortSignal;
  done: Map<string, StepCheckpoint>;
  attemptOf(path: string): number;
}

async function executeSteps(ctx: RunContext, steps: Step[], prefix: string, scope: Scope): Promise<ListOutcome> {
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i]!;
    const path = prefix + step.id;
    let checkpoint = ctx.done.get(path);
    if (!checkpoint) {
      ctx.signal.throwIfAborted();
      const executed = await executeStep(ctx, step, path, scope).catch((error: unknown) => {
        throw attachStepPath(error, path);
      });
      if (executed.status === 'waiting') return executed;
      checkpoint = executed.checkpoint;
    }
    scope.steps[step.id] = checkpoint.output;
    if ('delay' in step) passDelay(scope, checkpoint.output);
    if ('each' in step) passItemDelays(scope, step.steps, checkpoint.output);
    if (checkpoint.outcome === 'ended') return { status: 'ended' };
    if (checkpoint.outcome === 'skipped') i++;
  }
  return { status: 'continue' };
}

type StepOutcome = { status: 'done'; checkpoint: StepCheckpoint } | { status: 'waiting'; until: number };

async function executeStep(ctx: RunContext, step: Step, path: string, scope: Scope): Promise<StepOutcome> {
  const now = () => ctx.deps.clock.now();
  const record = (checkpoint: StepCheckpoint, effectKey?: string): StepOutcome => {
    try {
      ctx.sink.checkpoint(checkpoint, effectKey ? { effectKey } : undefined);
    } catch (error) {
      // The store serialises the output as it is handed over; a value that is not JSON (a
      // cycle, a function, a BigInt) fails this step, not a later one and not silently.
      throw outputNotJson(step, error);
    }
    return { status: 'done', checkpoint };
  };

  const evaluateInScope = (source: string) => evaluate(ctx, source, scope, step.id);
  if ('map' in step) {
    if (typeof step.map === 'string') return record({ path, output: await evaluateInScope(step.map), outcome: 'done' });
    const input = step.map.input === undefined ? scope.trigger.body : await evaluateInScope(step.map.input);
    return record({ path, output: await executeMappingStep(ctx.deps.connections.registry, step.map, input, step.id), outcome: 'done' });
  }
  if ('validate' in step) return record({ path, output: await executeValidateStep(step, evaluateInScope), outcome: 'done' });
  if ('lookup' in step) return record({ path, output: await executeLookupStep(ctx.deps.store.xref, step, evaluateInScope), outcome: 'done' });
  if ('reconcile' in step) {
    const evaluateOnRecord = (source: string, item: unknown) => evaluate(ctx, source, item as Scope, step.id);
    const output = await executeReconcileStep(ctx.deps, { flowId: ctx.flow.flow.id, runId: ctx.run.id, stepPath: path }, step, evaluateInScope, evaluateOnRecord);
    return record({ path, output, outcome: 'done' });
  }
  if ('when' in step) {
    const passed = isTruthy(await evaluate(ctx, step.when, scope, step.id));
    const outcome = passed ? 'done' : step.otherwise === 'skip' ? 'skipped' : 'ended';
    return record({ path, output: passed, outcome });
  }
  if ('call' in step) {
    const callContext = { flow: ctx.flow, runId: ctx.run.id, eventId: ctx.run.eventId, stepPath: path, attempt: ctx.attemptOf(path), signal: ctx.signal, writes: ctx.sink };
    const { output, effectKey } = isConnectorCall(step)
      ? await executeActionStep(ctx.deps, callContext, step, scope)
      : await executeCallStep(ctx.deps, callContext, step, scope);
    return record({ path, output, outcome: 'done' }, effectKey);
  }
  if ('code' in step) {
    const timeoutMs = step.code.timeout === undefined ? DEFAULT_CODE_TIMEOUT_MS : toMs(step.code.timeout);
    let output: unknown;
    await ctx.sink.settle();
    try {
      // The output arrives as JSON parsed back: later steps see what a resumed run reads from the store (a Date as its ISO text).
      output = await ctx.deps.code.run({ module: ctx.flow.codeModule(step.id), input: scope, timeoutMs, signal: ctx.signal });
    } catch (error) {
      if (ctx.signal.aborted) throw error;
      throw codeStepFailure(step, timeoutMs, error);
    }
    return record({ path, output, outcome: 'done' });
  }
  if ('delay' in step) {
    const until = now() + toMs(step.delay);
    ctx.sink.checkpoint({ path, output: { until: new Date(until).toISOString() }, outcome: 'done' }, { waitUntil: until });
    return { status: 'waiting', until };
  }
  if ('each' in step) {
    const items = await evaluate(ctx, step.each, scope, step.id);
    const list = items === undefined || items === null ? [] : Array.isArray(items) ? items : [items];
    const prefixes = step.key === undefined
      ? list.map((_, index) => itemPathPrefix(path, { index }))
      : (await itemKeys(ctx, step.id, step.key, list, scope)).map((key) => itemPathPrefix(path, { key }));
    const results: Record<string, unknown>[] = [];
    for (let index = 0; index < list.length; index++) {
      const itemScope = withTimeOf(scope, { trigger: scope.trigger, steps: { ...scope.steps }, item: list[index], index });
      const outcome = await executeSteps(ctx, step.steps, prefixes[index]!, itemScope);
      if (outcome.status === 'waiting') return outcome;
      // The next item starts after this one's delays.
      const itemTime = flowTimeOf(itemScope);
      if (itemTime !== undefined) setFlowTime(scope, itemTime);
      results.push(Object.fromEntries(step.steps.map((s) => [s.id, itemScope.steps[s.id]])));
    }
    return record({ path, output: results, outcome: 'done' });
  }
  throw new Error(`unknown step kind ${stepKindOf(step)}`);
}

/**
 * An item's key is part of the path of every step it runs, which the stores index with the run's
 * id (PostgreSQL's b-tree refuses an entry over 2,704 bytes, after the request went out): a key
 * this long fits several nested eaches in a path, and a longer one is no identifier.
 */
const MAX_ITEM_KEY_LENGTH = 128;

/**
 * The key of every item of a keyed `each`, checked before any item runs: a missing or repeated
 * key would give two items one checkpoint and one effect, so the step fails as a whole instead
 * of running half its items.
 */
async function itemKeys(ctx: RunContext, stepId: string, keySource: string, list: unknown[], scope: Scope): Promise<string[]> {
  const keys: string[] = [];
  const indexOfKey = new Map<string, number>();
  for (let index = 0; index < list.length; index++) {
    const value = await evaluate(ctx, keySource, withTimeOf(scope, { trigger: scope.trigger, steps: scope.steps, item: list[index], index }), stepId);
    if (value === undefined || value === null || value === '') {
      throw new StepFailedError({
        retryable: false,
        reason: 'mapping',
        message: `The each step '${stepId}' has no key for the item at index ${index}: its key (${keySource}) is ${value === '' ? 'empty' : 'missing'}; every item needs a key that identifies it.`,
      });
    }
    const key = keyText(value);
    if (key.length > MAX_ITEM_KEY_LENGTH) {
      throw new StepFailedError({
        retryable: false,
        reason: 'mapping',
        message: `The each step '${stepId}' gives the item at index ${index} a key of ${key.length} characters (its key is ${keySource}); a key may have at most ${MAX_ITEM_KEY_LENGTH}: key items by an id, a SKU or a line number.`,
      });
    }
    const first = indexOfKey.get(key);
    if (first !== undefined) {
      throw new StepFailedError({
        retryable: false,
        reason: 'mapping',
        message: `The each step '${stepId}' gives two items the key '${key}' (the items at index ${first} and ${index}); each item's key must be unique.`,
      });
    }
    indexOfKey.set(key, index);
    keys.push(key);
  }
  return keys;
}

async function evaluate(ctx: RunContext, source: string, scope: Scope, stepId: string): Promise<unknown> {
  try {
    return await ctx.flow.expression(source).evaluate(scope);
  } catch (error) {
    if (!(error instanceof ExpressionError)) throw error;
    const why =
      error.code === 'ERR_EXPRESSION_TIMEOUT'
        ? `took longer than its time budget (${error.message}; the flow's mappingBudget, or the mappingBudgetMs setting for every flow, raises it)`
        : `failed: ${error.message}`;
    throw new StepFailedError({ retryable: false, reason: 'mapping', message: `The mapping in step '${stepId}' ${why}.` });
  }
}

/** A delay's recorded end is the time the steps after it read as `$now()`. */
function passDelay(scope: Scope, output: unknown): void {
  const until = Date.parse(String((output as { until?: unknown } | null)?.until));
  if (!Number.isNaN(until)) setFlowTime(scope, until);
}

/**
 * The steps after an `each` read the end of the last delay among its items, nested eaches'
 * included. Read from the each's output, not from its items' scopes: a run resumed after the
 * each replays its checkpoint alone, and must read the time its first pass read.
 */
function passItemDelays(scope: Scope, steps: Step[], output: unknown): void {
  const latest = latestDelayEnd(steps, output);
  if (latest !== undefined && latest > (flowTimeOf(scope) ?? -Infinity)) setFlowTime(scope, latest);
}

function latestDelayEnd(steps: Step[], output: unknown): number | undefined {
  let latest: number | undefined;
  for (const item of Array.isArray(output) ? (output as Array<Record<string, unknown> | null>) : []) {
    for (const step of steps) {
      const stepOutput = item?.[step.id];
      const end = 'delay' in step ? Date.parse(String((stepOutput as { until?: unknown } | null | undefined)?.until)) : 'each' in step ? latestDelayEnd(step.steps, stepOutput) : undefined;
      if (end !== undefined && !Number.isNaN(end) && (latest === undefined || end > latest)) latest = end;
    }
  }
  return latest;
}

/** An item's scope reads the time its each's scope reads. */
function withTimeOf(scope: Scope, itemScope: Scope): Scope {
  const time = flowTimeOf(scope);
  if (time !== undefined) setFlowTime(itemScope, time);
  return itemScope;
}

function outputNotJson(step: Step, error: unknown): StepFailedError {
  return new StepFailedError({
    retryable: false,
    reason: 'code' in step ? 'bug' : 'mapping',
    message: `The step '${step.id}' produced an output that cannot be stored as JSON: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}.`,
  });
}

function codeStepFailure(step: CodeStep, timeoutMs: number, error: unknown): StepFailedError {
  if (error instanceof CodeOutputError) return outputNotJson(step, error);
  if (error instanceof CodeTimeoutError) {
    // Not retried: a function that overran its budget (an endless loop, more work than the budget
    // allows) would overrun it again on every attempt, each holding a worker for the whole budget.
    return new StepFailedError({
      retryable: false,
      reason: 'timeout',
      message: `The code step '${step.id}' did not finish within its ${formatSeconds(timeoutMs)} budget and was stopped (a code step's \`timeout\` raises it).`,
    });
  }
  if (error instanceof CodeEgressDeniedError) {
    // A policy refusal, as for a call step: retrying cannot help, a person must allow-list the address or fix the URL.
    return new StepFailedError({ retryable: false, reason: 'egress-denied', message: `The code step '${step.id}' failed: Weft ${error.message}.` });
  }
  return new StepFailedError({
    retryable: error instanceof CodeFailedError && error.retryable,
    reason: 'bug',
    message: `The code step '${step.id}' failed: ${error instanceof Error ? error.message : String(error)}`,
  });
}

/** Failures name the innermost step that failed, so the exception points at it. */
function attachStepPath(error: unknown, path: string): unknown {
  if (error instanceof Error && !('stepPath' in error)) Object.defineProperty(error, 'stepPath', { value: path });
  return error;
}

export function stepPathOf(error: unknown): string | null {
  return error instanceof Error && 'stepPath' in error ? String(error.stepPath) : null;
}
