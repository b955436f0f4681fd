import type { Clock } from '../../core/clock.ts';
import type { LoadedFlow } from '../../flows/load-flow.ts';
import type { FlowStateStore } from '../../store/store.ts';

/**
 * Which loaded flows run. Only the enabled ones are given to what starts runs (the engine's
 * claims, schedules, polling), so a disabled flow's runs are not claimed and it makes no new
 * ones; the webhook ingress asks `disabledAt` to answer 503 instead of 404.
 */
export interface FlowSwitch {
  /** Every loaded flow, enabled or not. */
  all(): LoadedFlow[];
  enabled(): LoadedFlow[];
  get(flowId: string): LoadedFlow | undefined;
  isEnabled(flowId: string): boolean;
  /** Persists the switch, then applies it. */
  setEnabled(flowId: string, enabled: boolean): Promise<void>;
  /** New flow files (dev reload); the persisted switches still apply. */
  replace(flows: LoadedFlow[]): void;
  /**
   * Reads the persisted switches again and applies them when they changed: another process
   * sharing the store (PostgreSQL) may have switched a flow.
   */
  refresh(): Promise<void>;
  /** The disabled flow listening on this webhook path, if any. */
  disabledAt(path: string): LoadedFlow | undefined;
}

/** Flows disabled in the store: what is given to what starts runs. */
export function enabledOf(flows: LoadedFlow[], disabled: ReadonlySet<string>): LoadedFlow[] {
  return flows.filter((flow) => !disabled.has(flow.flow.id));
}

/** `apply` gets the enabled flows after every change: the engine, schedules and polling take them. */
export function createFlowSwitch(options: {
  apply(enabled: LoadedFlow[]): void;
  flowStates: FlowStateStore;
  clock: Clock;
  flows: LoadedFlow[];
  disabled: Iterable<string>;
}): FlowSwitch {
  let flows = options.flows;
  let disabled = new Set(options.disabled);
  /** Counts the changes applied here, so a refresh can tell that one came while it read. */
  let changes = 0;
  const apply = () => {
    changes++;
    options.apply(enabledOf(flows, disabled));
  };
  return {
    all: () => flows,
    enabled: () => enabledOf(flows, disabled),
    get: (flowId) => flows.find((flow) => flow.flow.id === flowId),
    isEnabled: (flowId) => !disabled.has(flowId),
    async setEnabled(flowId, enabled) {
      await options.flowStates.setEnabled(flowId, enabled, options.clock.now());
      if (enabled === !disabled.has(flowId)) return;
      disabled = new Set(disabled);
      if (enabled) disabled.delete(flowId);
      else disabled.add(flowId);
      apply();
    },
    replace(next) {
      flows = next;
      apply();
    },
    async refresh() {
      const changesBefore = changes;
      const stored = new Set(await options.flowStates.disabled());
      // A switch applied while this read was answered may be newer than what it read: applying the
      // read would undo it here (a flow switched on, stopped again) until the next refresh.
      if (changes !== changesBefore) return;
      if (stored.size === disabled.size && [...stored].every((flowId) => disabled.has(flowId))) return;
      disabled = stored;
      apply();
    },
    disabledAt: (path) =>
      flows.find((flow) => disabled.has(flow.flow.id) && 'webhook' in flow.flow.trigger && flow.flow.trigger.webhook.path === path),
  };
}
