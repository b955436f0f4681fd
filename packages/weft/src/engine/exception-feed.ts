import type { Logger } from 'pino';
import type { Clock } from '../core/clock.ts';
import type { ExceptionTrigger } from '../flows/flow-schema.ts';
import type { LoadedFlow } from '../flows/load-flow.ts';
import type { ExceptionRecord, Store } from '../store/store.ts';
import type { Engine } from './engine.ts';

/**
 * Reads re-read this far behind the cursor: an exception's creation time is taken before its
 * transaction commits, so one committed late may carry a time the cursor has already passed.
 * Re-reads cost nothing, because each exception's event is deduplicated by its id.
 */
const OVERLAP_MS = 10_000;
const BATCH = 500;

/** Does this flow's exception trigger want this exception? Never its own: an announcer that fails must not announce itself forever. */
export function wantsException(flowId: string, trigger: ExceptionTrigger, exception: ExceptionRecord): boolean {
  if (exception.flowId === flowId) return false;
  if (trigger.flows !== undefined && !trigger.flows.includes(exception.flowId)) return false;
  return trigger.reasons === undefined || trigger.reasons.includes(exception.reason);
}

/**
 * `trigger: { exception: … }`: every new exception becomes one event of each flow that asks for
 * it, committed together with the feed's cursor (as poll triggers commit theirs), so none is
 * lost to a crash and none runs twice. A flow's first feed starts at the time it first ran:
 * exceptions from before it existed are not announced.
 */
export function startExceptionFeeds(options: { engine: Engine; store: Store; clock: Clock; log: Logger; intervalMs: number }, flows: Iterable<LoadedFlow>): { stop(): void } {
  const feeds = [...flows].filter((flow) => 'exception' in flow.flow.trigger);
  if (feeds.length === 0) return { stop() {} };
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  const feedOnce = async (flow: LoadedFlow) => {
    const trigger = (flow.flow.trigger as { exception: ExceptionTrigger }).exception;
    const key = `exception-feed:${flow.flow.id}`;
    const stored = await options.store.pollCursor(key);
    const cursor = stored === undefined ? options.clock.now() : Number(stored);
    const exceptions = await options.store.exceptionsSince(cursor - OVERLAP_MS, BATCH);
    const wanted = exceptions.filter((exception) => wantsException(flow.flow.id, trigger, exception));
    const newest = exceptions.reduce((latest, exception) => Math.max(latest, exception.createdAt), cursor);
    if (wanted.length === 0 && stored !== undefined && newest === cursor) return;
    await options.engine.acceptBatch(
      flow,
      wanted.map((exception) => ({
        source: 'exception' as const,
        headers: {},
        query: {},
        body: { id: exception.id, flowId: exception.flowId, runId: exception.runId, reason: exception.reason, message: exception.message, stepPath: exception.stepPath, createdAt: new Date(exception.createdAt).toISOString() },
        dedupeKey: `exception:${exception.id}`,
      })),
      { key, value: String(newest) },
    );
  };

  const tick = async () => {
    for (const flow of feeds) {
      if (stopped) return;
      await feedOnce(flow).catch((error: unknown) => options.log.error({ err: error, flowId: flow.flow.id }, 'exception_feed.failed'));
    }
    if (!stopped) timer = setTimeout(() => void tick(), options.intervalMs);
  };
  void tick();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
