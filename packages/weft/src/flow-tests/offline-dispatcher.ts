import { Agent, type Dispatcher } from 'undici';

/** A flow under test called a host that the test maps to nothing: tests never reach the network. */
export class OfflineCallError extends Error {
  override readonly name = 'OfflineCallError';
  readonly code = 'ERR_TEST_OFFLINE';
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

export interface OfflineDispatcher {
  dispatcher: Dispatcher;
  /** The origins refused so far, each once: the test reports them with the fix. */
  refused(): string[];
  close(): Promise<void>;
}

/**
 * Every outbound call of a test run goes through here. Calls to a mapped origin
 * (`https://erp.example.com` → a replay server) are sent to its stand-in; calls to
 * 127.0.0.1 (a sandbox a connection points at) go through; anything else is refused, so a
 * test that forgot a mapping fails with the host to map instead of calling production.
 */
export function createOfflineDispatcher(routes: ReadonlyMap<string, string>): OfflineDispatcher {
  const agent = new Agent({ connections: 16 });
  const refused = new Set<string>();
  const dispatcher = agent.compose((dispatch) => (options, handler) => {
    const origin = new URL(String(options.origin)).origin;
    const target = routes.get(origin) ?? origin;
    if (!LOOPBACK_HOSTS.has(new URL(target).hostname)) {
      refused.add(origin);
      throw new OfflineCallError(`weft test runs offline: the flow called ${origin}, which the test maps to nothing (add it under hosts:, or point the connection at a sandbox or recording)`);
    }
    return dispatch({ ...options, origin: target }, handler);
  });
  return { dispatcher, refused: () => [...refused], close: () => agent.close() };
}

/** `https://ERP.example.com:443/x` → `https://erp.example.com`: the form routes are keyed by. */
export function originOf(url: string): string {
  return new URL(url).origin;
}
