import type { LoadedFlow } from '../flows/load-flow.ts';

/** A flow's running triggers (its schedule, polling, exception feed), stopped as one. */
export interface RunningTriggers {
  stop(): void;
}

export interface FlowTriggers {
  /**
   * The flows enabled now (after a switch, a refresh that read another process's switch, a
   * `weft dev` reload): starts those not running, stops those no longer given, and restarts
   * those whose definition changed. Every other flow's triggers run on untouched.
   */
  apply(enabled: readonly LoadedFlow[]): void;
  /** Stops every flow's triggers; an `apply` after it starts nothing (a refresh still reading at shutdown). */
  stop(): void;
}

/**
 * What makes new runs of each enabled flow, started and stopped flow by flow. A restart is not
 * free: it ends a poll in progress (its cursor does not move, so the next poll reads its pages
 * again) and recreates a schedule's job, so switching one flow must not restart the others.
 */
export function startFlowTriggers(startFlow: (flow: LoadedFlow) => RunningTriggers, enabled: readonly LoadedFlow[]): FlowTriggers {
  const running = new Map<string, { definition: string; triggers: RunningTriggers }>();
  let stopped = false;

  const apply = (flows: readonly LoadedFlow[]): void => {
    if (stopped) return;
    const wanted = new Map(flows.map((flow) => [flow.flow.id, flow]));
    for (const [flowId, current] of running) {
      const next = wanted.get(flowId);
      if (next !== undefined && definitionOf(next) === current.definition) continue;
      current.triggers.stop();
      running.delete(flowId);
    }
    for (const [flowId, flow] of wanted) {
      if (!running.has(flowId)) running.set(flowId, { definition: definitionOf(flow), triggers: startFlow(flow) });
    }
  };

  apply(enabled);
  return {
    apply,
    stop() {
      stopped = true;
      for (const { triggers } of running.values()) triggers.stop();
      running.clear();
    },
  };
}

/**
 * A reload loads every flow again, changed or not: what a flow's triggers act on is its
 * definition (the trigger, the dedupe and ordering keys they commit events with), plain data
 * whether it came from YAML or a flow module.
 */
function definitionOf(flow: LoadedFlow): string {
  return JSON.stringify(flow.flow);
}
