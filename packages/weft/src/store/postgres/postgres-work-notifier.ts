import pg from 'pg';

/** The channel every commit that makes work due notifies (ingest, replay, retry, release). */
export const WORK_CHANNEL = 'weft_work';

const RECONNECT_DELAY_MS = 1000;

export interface WorkNotifier {
  /** Calls `listener` whenever any process commits new work; returns the function that stops it. */
  subscribe(listener: () => void): () => void;
  close(): Promise<void>;
}

/**
 * LISTEN on one dedicated connection (a pooled one would be handed to other queries), opened on
 * the first subscriber and opened again when it drops. Each time LISTEN takes effect the
 * listeners are called once: work committed while nobody listened notified no one.
 */
export function createWorkNotifier(config: pg.ClientConfig): WorkNotifier {
  const listeners = new Set<() => void>();
  let client: pg.Client | undefined;
  let reconnectTimer: NodeJS.Timeout | undefined;
  let isClosed = false;

  const tell = () => {
    for (const listener of listeners) listener();
  };

  async function connect(): Promise<void> {
    if (isClosed || client !== undefined) return;
    const candidate = new pg.Client(config);
    client = candidate;
    const dropped = () => {
      if (client !== candidate) return;
      client = undefined;
      candidate.end().catch(() => {});
      scheduleReconnect();
    };
    candidate.on('error', dropped);
    candidate.on('end', dropped);
    candidate.on('notification', tell);
    try {
      await candidate.connect();
      await candidate.query(`LISTEN ${WORK_CHANNEL}`);
      tell();
    } catch {
      dropped();
    }
  }

  function scheduleReconnect(): void {
    if (isClosed || listeners.size === 0 || reconnectTimer !== undefined) return;
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined;
      void connect();
    }, RECONNECT_DELAY_MS);
    reconnectTimer.unref();
  }

  return {
    subscribe(listener) {
      listeners.add(listener);
      void connect();
      return () => {
        listeners.delete(listener);
      };
    },
    async close() {
      isClosed = true;
      clearTimeout(reconnectTimer);
      const open = client;
      client = undefined;
      await open?.end().catch(() => {});
    },
  };
}
