import type { Dispatcher } from 'undici';
import { systemClock } from '../core/clock.ts';
import { createConnectorHttpClient } from './connector-http.ts';
import type { ResolvedConnection } from './connection-runtime.ts';

export class NoTestActionError extends Error {
  readonly code = 'ERR_CONNECTOR_NO_TEST';
}

/**
 * `weft connections test`: one authenticated, read-only request — the connector's declared
 * test action — through the same client, auth and egress guard as a run.
 */
export async function testConnection(
  resolved: ResolvedConnection,
  options: { dispatcher: Dispatcher; auditBodyBytes: number; redactFields: string[] },
): Promise<{ action: string; status: number; durationMs: number }> {
  const { connector } = resolved;
  const action = connector.actions.find((candidate) => candidate.id === connector.testAction);
  if (!action || action.kind !== 'declarative') {
    throw new NoTestActionError(`connector '${connector.id}' declares no test action, so there is no harmless call to make`);
  }
  let status = 0;
  let durationMs = 0;
  const http = createConnectorHttpClient({
    connector,
    action,
    baseUrl: resolved.baseUrl,
    auth: resolved.auth,
    dispatcher: options.dispatcher,
    clock: systemClock,
    signal: new AbortController().signal,
    timeoutMs: 15_000,
    audit: async () => ({
      answered: (answer) => {
        status = answer.status ?? 0;
        durationMs = answer.durationMs;
      },
      unsent: () => {},
    }),
    auditBodyBytes: options.auditBodyBytes,
    redactFields: options.redactFields,
  });
  await http.request(action.request({}));
  return { action: action.id, status, durationMs };
}
