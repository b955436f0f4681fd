import type { Reason } from '../core/exception.ts';

/**
 * Starts runs of another flow from inside a step (a reconcile step re-driving a missing record).
 * The engine implements it, because only it knows the loaded flows and the worker to wake.
 */
export interface RepairLauncher {
  /**
   * Commits an event of `flowId` with `input` as its body, once per `dedupeKey`. With `exception`,
   * the new run is parked at once as an open exception, for a person to replay; otherwise it is
   * queued. `duplicate` means the key was seen before and nothing new was started.
   */
  launch(request: {
    flowId: string;
    input: unknown;
    dedupeKey: string;
    exception?: { reason: Reason; message: string };
  }): Promise<{ runId: string; exceptionId?: string; duplicate: boolean }>;
}
