import type { StoreEvent, StoreListener } from '../store/observed-store.ts';

/** Runs remembered for log lines; a line about a run comes while it executes or just after it ends. */
const REMEMBERED_RUNS = 10_000;

interface RunContext {
  flowId: string | undefined;
  /** The step that failed last, or the last one checkpointed. */
  stepPath: string | undefined;
}

/**
 * Puts the flow and step ids on every log line that names a run, without the engine passing
 * them: a pino mixin looks the run up in what the observed store told it (claims, checkpoints,
 * failures). Ids the line already carries win.
 */
export function createRunLogContext(): { listener: StoreListener; mixin: (fields: object) => object } {
  const runs = new Map<string, RunContext>();
  const remember = (runId: string, context: Partial<RunContext>) => {
    const known = runs.get(runId);
    runs.delete(runId);
    runs.set(runId, { flowId: context.flowId ?? known?.flowId, stepPath: context.stepPath ?? known?.stepPath });
    if (runs.size > REMEMBERED_RUNS) runs.delete(runs.keys().next().value!);
  };

  const listener = (event: StoreEvent): void => {
    switch (event.type) {
      case 'run.claimed':
        remember(event.runId, { flowId: event.flowId });
        return;
      case 'step.completed':
        remember(event.runId, { flowId: event.flowId, stepPath: event.path });
        return;
      case 'run.retry_scheduled':
        remember(event.runId, { flowId: event.flowId, stepPath: event.stepPath });
        return;
      case 'run.exception':
        remember(event.runId, { flowId: event.flowId, ...(event.stepPath === null ? {} : { stepPath: event.stepPath }) });
        return;
      default:
        return;
    }
  };

  const mixin = (fields: object): object => {
    const { runId } = fields as { runId?: unknown };
    if (typeof runId !== 'string') return {};
    const context = runs.get(runId);
    if (context === undefined) return {};
    return {
      ...(context.flowId === undefined || 'flowId' in fields ? {} : { flowId: context.flowId }),
      ...(context.stepPath === undefined || 'stepPath' in fields ? {} : { stepPath: context.stepPath }),
    };
  };

  return { listener, mixin };
}
