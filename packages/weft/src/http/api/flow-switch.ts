import type { Clock } from '../../core/clock.ts';
import type { Engine } from '../../engine/engine.ts';
import type { LoadedFlow } from '../../flows/load-flow.ts';
import type { FlowStateStore } from '../../store/store.ts';

/**
 * Which loaded flows run. The engine is only ever given the enabled ones, so a disabled flow's
 * runs are not claimed; the webhook ingress asks `disabledAt` to answer 503 instead of 404.
 */
export interface FlowSwitch {
  /** Every loaded flow, enabled or not. */
  all(): LoadedFlow[];
  get(flowId: string): LoadedFlow | undefined;
  isEnabled(flowId: string): boolean;
  /** Persists the switch, then applies it to the engine. */
  setEnabled(flowId: string, enabled: boolean): Promise<void>;
  /** New flow files (dev reload); the persisted switches still apply. */
  replace(flows: LoadedFlow[]): void;
  /** The disabled flow listening on this webhook path, if any. */
  disabledAt(path: string): LoadedFlow | undefined;
}

/** Flows disabled in the store before the engine starts: give the engine `enabledOf(flows, disabled)`. */
export function enabledOf(flows: LoadedFlow[], disabled: ReadonlySet<string>): LoadedFlow[] {
  return flows.filter((flow) => !disabled.has(flow.flow.id));
}

export function createFlowSwitch(options: { engine: Engine; flowStates: FlowStateStore; clock: Clock; flows: LoadedFlow[]; disabled: Iterable<string> }): FlowSwitch {
  const { engine } = options;
  let flows = options.flows;
  const disabled = new Set(options.disabled);
  const apply = () => engine.replaceFlows(enabledOf(flows, disabled));
  return {
    all: () => flows,
    get: (flowId) => flows.find((flow) => flow.flow.id === flowId),
    isEnabled: (flowId) => !disabled.has(flowId),
    async setEnabled(flowId, enabled) {
      await options.flowStates.setEnabled(flowId, enabled, options.clock.now());
      if (enabled) disabled.delete(flowId);
      else disabled.add(flowId);
      apply();
    },
    replace(next) {
      flows = next;
      apply();
    },
    disabledAt: (path) =>
      flows.find((flow) => disabled.has(flow.flow.id) && 'webhook' in flow.flow.trigger && flow.flow.trigger.webhook.path === path),
  };
}
