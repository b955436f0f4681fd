import type { Clock } from '../../core/clock.ts';
import type { Engine } from '../../engine/engine.ts';
import type { ObservedStore } from '../../store/observed-store.ts';
import type { ConnectionsView } from './connections-view.ts';
import type { FlowSwitch } from './flow-switch.ts';
import type { JobRunner } from './jobs.ts';

/** What the management API's routes work with. */
export interface ApiContext {
  store: ObservedStore;
  engine: Engine;
  flows: FlowSwitch;
  clock: Clock;
  /** Lifetime of an admin session from the admin password. */
  sessionTtlMs: number;
  jobs: JobRunner;
  connections: ConnectionsView;
  /** The config's `redactFields`: names hidden, besides credential-like ones, wherever stored vendor data is served (a run's webhook query). */
  redactFields: readonly string[];
}
