import type { StepFailure } from '../core/run.ts';

/** A step attempt failed; `failure` says whether and how the engine may try again. */
export class StepFailedError extends Error {
  constructor(readonly failure: StepFailure) {
    super(failure.message);
  }
}

/** The step cannot run before `until` (a destination hold): the run waits without spending an attempt. */
export class PostponeError extends Error {
  constructor(readonly until: number) {
    super(`postponed until ${new Date(until).toISOString()}`);
  }
}
