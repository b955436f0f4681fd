/**
 * One EventSource for the whole console: screens subscribe to the kinds they show and refresh
 * themselves. The browser reconnects on its own; `connected` tells the header what to show.
 */
export type LiveKind = 'run' | 'exception' | 'event' | 'metrics';

export interface LiveFeed {
  subscribe(kinds: readonly LiveKind[], listener: (kind: LiveKind, data: unknown) => void): () => void;
  onStatus(listener: (connected: boolean) => void): () => void;
  close(): void;
}

const KINDS: readonly LiveKind[] = ['run', 'exception', 'event', 'metrics'];

export function openLiveFeed(url: string): LiveFeed {
  const listeners = new Set<{ kinds: readonly LiveKind[]; listener: (kind: LiveKind, data: unknown) => void }>();
  const statusListeners = new Set<(connected: boolean) => void>();
  const source = new EventSource(url);
  const tell = (connected: boolean) => statusListeners.forEach((listener) => listener(connected));
  source.onopen = () => tell(true);
  source.onerror = () => tell(false);
  for (const kind of KINDS) {
    source.addEventListener(kind, (message) => {
      let data: unknown = null;
      try {
        data = JSON.parse((message as MessageEvent<string>).data);
      } catch {
        data = null;
      }
      for (const entry of listeners) if (entry.kinds.includes(kind)) entry.listener(kind, data);
    });
  }
  return {
    subscribe(kinds, listener) {
      const entry = { kinds, listener };
      listeners.add(entry);
      return () => listeners.delete(entry);
    },
    onStatus(listener) {
      statusListeners.add(listener);
      return () => statusListeners.delete(listener);
    },
    close: () => source.close(),
  };
}
