/** Why a run needs a human. The console and `weft replay --reason` use these words. */
export const REASONS = [
  'auth',
  'validation',
  'mapping',
  'not-found',
  'conflict',
  'rate-limited',
  'destination-down',
  'timeout',
  'egress-denied',
  'bug',
] as const;
export type Reason = (typeof REASONS)[number];

export function isReason(value: string): value is Reason {
  return (REASONS as readonly string[]).includes(value);
}
