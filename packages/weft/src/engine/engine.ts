import type { Logger } from 'pino';
import type { Dispatcher } from 'undici';
import type { ConnectionRuntime } from '../connectors/connection-runtime.ts';
import type { Clock, Random } from '../core/clock.ts';
import { keyText, newId, sha256Hex } from '../core/ids.ts';
import type { TriggerEvent } from '../core/run.ts';
import type { LoadedFlow } from '../flows/load-flow.ts';
import type { IngestOutcome, NewEvent, PruneCounts, Store } from '../store/store.ts';
import { startWorker, type Worker } from './worker.ts';
import { startPruning, type Pruning, type RetentionPolicy } from './pruning.ts';
import { createCodeRunner } from './code-runner.ts';
import type { RepairLauncher } from './repairs.ts';
import { StepFailedError } from './step-failure.ts';
import { ExpressionError } from '../transforms/expression-error.ts';

export interface EngineOptions {
  store: Store;
  clock: Clock;
  random: Random;
  log: Logger;
  flows: LoadedFlow[];
  workerId: string;
  concurrency: number;
  leaseMs: number;
  pollIntervalMs: number;
  auditBodyBytes: number;
  redactFields: string[];
  /** Every outbound call goes through it: the composition root gives the egress-guarded agent. */
  dispatcher: Dispatcher;
  /**
   * The egress guard's allow-list (`egressAllow`), for code steps: a dispatcher cannot be handed
   * to their worker threads, so each thread builds a guard of its own from the list for `fetch`
   * and `node:http(s)`.
   */
  egressAllow: readonly string[];
  /** Connections and their connectors, for `call: { connection, action }`. */
  connections: ConnectionRuntime;
  /** Run nothing until `start()` (a server, once it listens); events are still accepted. */
  startIdle?: boolean;
  /**
   * Prune finished work past this retention, hourly (ADR-0015). Only the long-running engine of
   * `weft start` / `weft dev` is given one; a `weft run` or a test engine prunes nothing.
   */
  retention?: RetentionPolicy;
  /** Told the rows each prune deleted (the metrics' counter). */
  onPruned?: (counts: PruneCounts) => void;
}

export interface IncomingEvent {
  source: TriggerEvent['source'];
  headers: Record<string, string>;
  query: Record<string, string>;
  body: unknown;
  /** Fallback dedupe identity when the flow names no dedupe key: the raw bytes, unless empty. */
  rawBody?: Buffer;
  /** An explicit dedupe key (schedules use their tick). */
  dedupeKey?: string;
  /**
   * Why the event is not what the flow's steps were written for (a vendor event that breaks its
   * trigger's declared shape): it is committed and its run parked at once as a `validation`
   * exception, to be replayed (with an edited input) rather than run. Its ordering key is kept
   * when its body gives one.
   */
  refused?: string;
}

export class DedupeKeyMissingError extends Error {
  readonly code = 'ERR_INGEST_NO_DEDUPE_KEY';
}

/** The façade http and cli use: accept events durably, and run them. */
export interface Engine {
  flows(): Map<string, LoadedFlow>;
  /** Commit an event and its run (guarantee 1), or recognise a repeat (guarantee 3). */
  accept(flow: LoadedFlow, incoming: IncomingEvent): Promise<IngestOutcome>;
  /** Commit a poll's events and its cursor together; the cursor never passes an uncommitted event. */
  acceptBatch(flow: LoadedFlow, incoming: IncomingEvent[], cursor?: { key: string; value: string }): Promise<IngestOutcome[]>;
  /** Swap the loaded flows (dev reload). Runs of removed flows wait until the flow returns. */
  replaceFlows(flows: LoadedFlow[]): void;
  /** Look for due runs now (after a replay, say). */
  kick(): void;
  /** Start running (an engine made with `startIdle`). */
  start(): void;
  stop(graceMs: number): Promise<void>;
}

export function createEngine(options: EngineOptions): Engine {
  const { store, clock } = options;
  let flowsById = new Map(options.flows.map((f) => [f.flow.id, f]));
  const { dispatcher } = options;
  const code = createCodeRunner({ egressAllow: options.egressAllow });

  const worker: Worker = startWorker({
    workerId: options.workerId,
    store,
    clock,
    random: options.random,
    log: options.log,
    flows: () => flowsById,
    concurrency: options.concurrency,
    leaseMs: options.leaseMs,
    pollIntervalMs: options.pollIntervalMs,
    ...(options.startIdle ? { startIdle: true } : {}),
    executor: {
      store,
      clock,
      dispatcher,
      auditBodyBytes: options.auditBodyBytes,
      redactFields: options.redactFields,
      holds: new Map(),
      connections: options.connections,
      repairs: { launch: (request) => launchRepair(request) },
      code,
    },
  });

  // Off the ingest path: its own timer, each batch a short transaction of its own.
  let pruning: Pruning | undefined;
  const startPruningOnce = () => {
    if (options.retention === undefined || pruning !== undefined) return;
    pruning = startPruning({ store, clock, log: options.log, retention: options.retention, ...(options.onPruned ? { onPruned: options.onPruned } : {}) });
  };
  if (!options.startIdle) startPruningOnce();

  /**
   * A reconcile step's hand-off to the repair flow. For an exception, the run is committed parked
   * with its exception in the ingest's own transaction, so it never runs before a person replays it.
   */
  const launchRepair: RepairLauncher['launch'] = async ({ flowId, input, dedupeKey, exception }) => {
    const flow = flowsById.get(flowId);
    if (flow === undefined) {
      throw new StepFailedError({ retryable: false, reason: 'validation', message: `The repair flow '${flowId}' is not loaded, so missing records cannot be handed to it.` });
    }
    const newEvent = await toNewEvent(flow, { source: 'manual', headers: {}, query: {}, body: input, dedupeKey });
    if (exception !== undefined) {
      const parked = await store.ingestParked(newEvent, { ...exception, stepPath: 'reconcile', input, lastResponse: undefined, now: newEvent.receivedAt });
      return parked.status === 'duplicate' ? { runId: parked.runId, duplicate: true } : { runId: parked.runId, exceptionId: parked.exceptionId, duplicate: false };
    }
    const outcome = await store.ingest(newEvent);
    if (outcome.status === 'duplicate') return { runId: outcome.runId, duplicate: true };
    worker.kick();
    return { runId: outcome.runId, duplicate: false };
  };

  /** Committed with its run parked as a `validation` exception, in one transaction: it never runs before someone replays it. */
  function acceptRefused(newEvent: NewEvent, why: string): Promise<IngestOutcome> {
    return store.ingestParked(newEvent, { reason: 'validation', message: why, stepPath: null, input: newEvent.event.body, lastResponse: undefined, now: newEvent.receivedAt });
  }

  async function toNewEvent(flow: LoadedFlow, incoming: IncomingEvent): Promise<NewEvent> {
    const receivedAt = clock.now();
    const eventId = newId('evt', receivedAt);
    const event: TriggerEvent = {
      id: eventId,
      source: incoming.source,
      receivedAt: new Date(receivedAt).toISOString(),
      headers: incoming.headers,
      query: incoming.query,
      body: incoming.body,
    };
    const scope = { trigger: event, steps: {} };
    const trigger = flow.flow.trigger;
    const dedupeExpression = 'webhook' in trigger ? trigger.webhook.dedupeKey : undefined;
    let dedupeKey = incoming.dedupeKey;
    if (dedupeKey === undefined && dedupeExpression !== undefined) {
      const value = await flow.expression(dedupeExpression).evaluate(scope);
      if (value === undefined || value === null || value === '') {
        throw new DedupeKeyMissingError(`the dedupe key (${dedupeExpression}) has no value in this delivery`);
      }
      dedupeKey = `key:${keyText(value)}`;
    }
    // An empty body (a bare `curl -X POST`, a ping) says nothing that could tell one delivery from
    // a repeat: hashed, every one would be a repeat of the first, forever.
    dedupeKey ??= incoming.rawBody !== undefined && incoming.rawBody.length > 0 ? `sha256:${sha256Hex(incoming.rawBody)}` : `event:${eventId}`;
    const orderingKey = await orderingKeyOf(flow, event, { isRefused: incoming.refused !== undefined });
    return {
      id: eventId,
      runId: newId('run', receivedAt),
      flowId: flow.flow.id,
      dedupeKey,
      orderingKey,
      receivedAt,
      event,
    };
  }

  return {
    flows: () => flowsById,
    async accept(flow, incoming) {
      const newEvent = await toNewEvent(flow, incoming);
      if (incoming.refused !== undefined) return acceptRefused(newEvent, incoming.refused);
      // With a free slot, the run is claimed in the ingest's own commit and starts from memory.
      const claim = flowsById.has(flow.flow.id) && worker.reserve()
        ? { workerId: options.workerId, leaseMs: options.leaseMs, ...(flow.flow.concurrency ? { flowConcurrency: flow.flow.concurrency } : {}) }
        : undefined;
      let outcome: IngestOutcome;
      try {
        outcome = await store.ingest(newEvent, claim);
      } catch (error) {
        if (claim) worker.startReserved(undefined);
        throw error;
      }
      if (claim) worker.startReserved(outcome.status === 'accepted' ? outcome.claimed : undefined);
      else if (outcome.status === 'accepted') worker.kick();
      return outcome;
    },
    async acceptBatch(flow, incoming, cursor) {
      const events = await Promise.all(incoming.map((one) => toNewEvent(flow, one)));
      const outcomes = await store.ingestBatch(events, cursor && { ...cursor, now: clock.now() });
      if (outcomes.some((outcome) => outcome.status === 'accepted')) worker.kick();
      return outcomes;
    },
    replaceFlows(flows) {
      flowsById = new Map(flows.map((f) => [f.flow.id, f]));
      worker.kick();
    },
    kick: () => worker.kick(),
    start: () => {
      worker.start();
      startPruningOnce();
    },
    async stop(graceMs) {
      // A prune under way stops after its batch, before the store is closed.
      await Promise.all([worker.stop(graceMs), pruning?.stop()]);
      // After the runs: a code step still running past the grace was abandoned by its run.
      await code.close();
    },
  };
}

/**
 * The ordering key of a run of `flow` for `event`, as ingest computes it (none when the flow
 * declares no `orderingKey`, or its expression gives nothing). A refused event's is read best
 * effort from its body of the wrong shape (none when the expression fails or gives nothing): kept,
 * so that once fixed and replayed the run takes its turn among its key's runs. Parked, it holds
 * none of them back.
 */
async function orderingKeyOf(flow: LoadedFlow, event: TriggerEvent, { isRefused }: { isRefused: boolean }): Promise<string | null> {
  const expression = flow.flow.orderingKey;
  if (expression === undefined) return null;
  let value: unknown;
  try {
    value = await flow.expression(expression).evaluate({ trigger: event, steps: {} });
  } catch (error) {
    if (isRefused) return null;
    throw error;
  }
  if (value === undefined || value === null || (isRefused && value === '')) return null;
  return keyText(value);
}

/** The flow's `orderingKey` failed on the input a replay would run with: the replay is refused, nothing changed. */
export class OrderingKeyError extends Error {
  override readonly name = 'OrderingKeyError';
  readonly code = 'ERR_ORDERING_KEY';
}

/**
 * The ordering key of a run replayed with an edited input: the key ingest would have given its
 * event had it arrived with that body (the flow's current `orderingKey` on the run's event, body
 * replaced). A replay keeping the key of the input it replaces would run unordered (an event
 * refused at ingest whose key could not be read) or serialised with another record's runs (an
 * edit of the field the key is read from). Throws `OrderingKeyError` when the expression fails.
 */
export async function orderingKeyOfEditedInput(flow: LoadedFlow, event: TriggerEvent, input: unknown): Promise<string | null> {
  return orderingKeyOfReplay(flow, { ...event, body: input }, 'the edited input');
}

/**
 * The ordering key of a run replayed as it is: the flow's `orderingKey` as loaded now, on the
 * run's current input (`event`: its edited input if an earlier replay edited it). The key stored
 * at ingest may be none (an event refused because the expression failed on it, replayed once the
 * flow is fixed) or the old expression's (a flow whose `orderingKey` changed since): kept, the
 * run would run unordered beside its record's later events, or among another record's. Throws
 * `OrderingKeyError` when the expression fails.
 */
export async function orderingKeyOfRunInput(flow: LoadedFlow, event: TriggerEvent): Promise<string | null> {
  return orderingKeyOfReplay(flow, event, "the run's input");
}

async function orderingKeyOfReplay(flow: LoadedFlow, event: TriggerEvent, what: string): Promise<string | null> {
  try {
    return await orderingKeyOf(flow, event, { isRefused: false });
  } catch (error) {
    if (!(error instanceof ExpressionError)) throw error;
    throw new OrderingKeyError(`the flow's orderingKey (${flow.flow.orderingKey}) could not be evaluated on ${what}: ${error.message}`);
  }
}
