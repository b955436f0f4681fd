/**
 * One EventSource for the whole console: screens subscribe to the kinds they show and refresh
 * themselves. The browser reconnects on its own after a dropped connection, but gives up for
 * good when the server answers with anything but a 200 event stream (a 401 after the session
 * ended, a proxy's 502 while the engine restarts): then the feed opens a new one after
 * `retryMs` and tells `onRefused`, so the console can check whether the session is still good.
 */
export type LiveKind = 'run' | 'exception' | 'event' | 'metrics';

export interface LiveFeed {
  subscribe(kinds: readonly LiveKind[], listener: (kind: LiveKind, data: unknown) => void): () => void;
  /** Told the current state at once, then every change: the stream may open before a screen listens. */
  onStatus(listener: (connected: boolean) => void): () => void;
  close(): void;
}

export interface LiveFeedOptions {
  retryMs?: number;
  onRefused?: () => void;
}

const KINDS: readonly LiveKind[] = ['run', 'exception', 'event', 'metrics'];
/** The same delay the stream's own `retry:` line asks for after a dropped connection. */
const RETRY_MS = 3_000;

export function openLiveFeed(url: string, options: LiveFeedOptions = {}): LiveFeed {
  const listeners = new Set<{ kinds: readonly LiveKind[]; listener: (kind: LiveKind, data: unknown) => void }>();
  const statusListeners = new Set<(connected: boolean) => void>();
  let connected = false;
  let closed = false;
  let retry: ReturnType<typeof setTimeout> | undefined;
  const tell = (now: boolean) => {
    connected = now;
    statusListeners.forEach((listener) => listener(now));
  };

  const connect = (): EventSource => {
    const next = new EventSource(url);
    next.onopen = () => tell(true);
    next.onerror = () => {
      tell(false);
      if (next.readyState !== EventSource.CLOSED || closed) return;
      options.onRefused?.();
      retry = setTimeout(() => {
        retry = undefined;
        if (!closed) source = connect();
      }, options.retryMs ?? RETRY_MS);
    };
    for (const kind of KINDS) {
      next.addEventListener(kind, (message) => {
        let data: unknown = null;
        try {
          data = JSON.parse((message as MessageEvent<string>).data);
        } catch {
          data = null;
        }
        for (const entry of listeners) if (entry.kinds.includes(kind)) entry.listener(kind, data);
      });
    }
    return next;
  };
  let source = connect();

  return {
    subscribe(kinds, listener) {
      const entry = { kinds, listener };
      listeners.add(entry);
      return () => listeners.delete(entry);
    },
    onStatus(listener) {
      statusListeners.add(listener);
      listener(connected);
      return () => statusListeners.delete(listener);
    },
    close: () => {
      closed = true;
      clearTimeout(retry);
      source.close();
    },
  };
}
