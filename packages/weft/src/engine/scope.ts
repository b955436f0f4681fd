import type { TriggerEvent } from '../core/run.ts';

/** What every flow expression reads: `trigger`, `steps.<id>`, and inside `each`, `item` and `index`. */
export interface Scope {
  trigger: TriggerEvent;
  steps: Record<string, unknown>;
  item?: unknown;
  index?: number;
}
