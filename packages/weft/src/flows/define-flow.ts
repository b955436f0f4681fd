import type { Flow } from './flow-schema.ts';

/**
 * Declares a flow in TypeScript (`*.flow.ts`, as the default export). Plain data with the
 * YAML schema's types: the loader validates it exactly as it validates a YAML flow.
 */
export function defineFlow(flow: Flow): Flow {
  return flow;
}
