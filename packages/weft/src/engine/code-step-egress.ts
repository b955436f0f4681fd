import http from 'node:http';
import https from 'node:https';
import { setGlobalDispatcher } from 'undici';
import { createEgressGuard, EgressDeniedError } from '../connectors/egress-guard.ts';
import { createGuardedNodeAgents } from '../connectors/egress-node-agents.ts';

/**
 * Puts a code-runner worker thread's outbound HTTP behind the egress guard (ADR-0006), as every
 * call step's is: a code step that fetches a URL from a webhook payload must not reach the
 * metadata service or the engine's own admin API. Call it before any code step's module is
 * imported; a module's top level may already make requests.
 *
 * Covered: the global `fetch` (Node's built-in fetch dispatches through undici's global
 * dispatcher, which `setGlobalDispatcher` keeps under a symbol on globalThis; undici's own
 * `request` and `fetch` read it too), and `node:http` / `node:https` requests on the default
 * agents. Not covered: raw `net` / `tls` sockets, and clients that bring an agent or dispatcher
 * of their own. It guards against requests steered by data, not against code that means to get
 * around it.
 */
export function guardCodeStepEgress(allow: readonly string[]): void {
  const guard = createEgressGuard({ allow });
  setGlobalDispatcher(guard.dispatcher());
  // The default agents' own options (keep-alive, a 5 s idle timeout) carry over: only where a socket may go changes.
  const httpDefaults = (http.globalAgent as http.Agent & { options: http.AgentOptions }).options;
  const agents = createGuardedNodeAgents(guard, { http: httpDefaults, https: https.globalAgent.options });
  http.globalAgent = agents.http;
  https.globalAgent = agents.https;
}

/**
 * The guard's refusal behind a failure, if there is one. fetch rejects with TypeError('fetch
 * failed') whose `cause` is the refusal, and client libraries and user code wrap it further.
 */
export function egressRefusalIn(error: unknown): EgressDeniedError | undefined {
  const seen = new Set<unknown>();
  for (let current = error; current instanceof Error && !seen.has(current); current = current.cause) {
    if (current instanceof EgressDeniedError) return current;
    seen.add(current);
  }
  return undefined;
}
