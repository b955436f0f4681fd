import type { Socket } from 'node:net';
import { Agent, type buildConnector } from 'undici';

/** A socket opened ahead and not taken within this long is closed: servers drop idle connections after about 5 s. */
const DEFAULT_STASH_IDLE_MS = 2_000;

/**
 * An undici Agent that can open a connection before the request that will use it.
 *
 * Why: the rate limiter reserves each send an instant, and a vendor counts its window by arrival.
 * A send that must first connect (TCP, a TLS handshake, its first turn of a busy event loop) after
 * its reserved instant arrives late — measured 25–50 ms on a loaded machine, against a margin of
 * about 30 ms — and crowds the sends reserved after it into one window too many. `preconnect`
 * opens that connection before the reservation is taken; undici's next new connection to the
 * origin takes the opened socket instead of dialling. A socket nobody takes is closed after
 * `stashIdleMs`; until then it is unreferenced, so it never holds a stopping process open.
 */
export class PreconnectingAgent extends Agent {
  readonly #stash: SocketStash;

  constructor(options: Agent.Options & { connect: buildConnector.connector }, stashIdleMs = DEFAULT_STASH_IDLE_MS) {
    const stash = createSocketStash(options.connect, stashIdleMs);
    super({ ...options, connect: stash.connector });
    this.#stash = stash;
  }

  /**
   * Open a connection to `origin` (`https://api.example.com`) unless an idle one is open or
   * waiting. Resolves once it is open; rejects with the connection's error (the egress guard's
   * refusal, a refused port), which the request itself would meet too.
   */
  async preconnect(origin: string): Promise<void> {
    const url = new URL(origin);
    // `free` lags a response's end by a tick or two; a connection running nothing is as good.
    const pool = this.stats[url.origin] as { connected?: number; running?: number } | undefined;
    if ((pool?.connected ?? 0) > (pool?.running ?? 0) || this.#stash.has(url)) return;
    await this.#stash.open(url);
  }
}

interface SocketStash {
  /** The connector undici dials through: a waiting socket for the origin first. */
  connector: buildConnector.connector;
  has(url: URL): boolean;
  open(url: URL): Promise<void>;
}

interface Waiting {
  socket: Socket;
  expiry: NodeJS.Timeout;
}

function createSocketStash(connect: buildConnector.connector, idleMs: number): SocketStash {
  const waiting = new Map<string, Waiting[]>();
  // undici dials an IPv6 origin by its bare address; a URL keeps the brackets.
  const keyOf = (protocol: string, hostname: string, port: string | number | null | undefined) =>
    `${protocol}//${hostname.replace(/^\[(.*)\]$/, '$1')}:${Number(port) || (protocol === 'https:' ? 443 : 80)}`;
  const ignoreError = () => {};

  const take = (key: string): Socket | undefined => {
    const list = waiting.get(key) ?? [];
    let socket: Socket | undefined;
    for (let entry = list.shift(); entry !== undefined && socket === undefined; entry = list.shift()) {
      clearTimeout(entry.expiry);
      entry.socket.off('error', ignoreError);
      // The server may have closed it while it waited.
      if (!entry.socket.destroyed) socket = entry.socket.ref();
    }
    if (list.length === 0) waiting.delete(key);
    return socket;
  };

  const put = (key: string, socket: Socket) => {
    // Idle and unreferenced until taken: a waiting socket neither crashes the process with an
    // error nobody listens for nor keeps it alive at shutdown.
    socket.on('error', ignoreError).unref();
    const entry: Waiting = { socket, expiry: setTimeout(() => drop(key, entry), idleMs).unref() };
    waiting.set(key, [...(waiting.get(key) ?? []), entry]);
  };

  const drop = (key: string, entry: Waiting) => {
    const rest = (waiting.get(key) ?? []).filter((other) => other !== entry);
    if (rest.length > 0) waiting.set(key, rest);
    else waiting.delete(key);
    entry.socket.destroy();
  };

  return {
    connector: (options, callback) => {
      const socket = take(keyOf(options.protocol, options.hostname, options.port));
      // Asynchronously, as a dialled socket would be: undici's client is still inside its resume
      // loop when it asks, and a synchronous answer would leave the request unwritten.
      if (socket !== undefined) return process.nextTick(callback, null, socket);
      return connect(options, callback);
    },
    has: (url) => (waiting.get(keyOf(url.protocol, url.hostname, url.port)) ?? []).some((entry) => !entry.socket.destroyed),
    open: (url) =>
      new Promise((resolve, reject) => {
        // What undici passes for a URL without TLS options of its own (dispatcher/client.js, connect()).
        const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
        connect({ host: url.host, hostname, protocol: url.protocol, port: url.port, localAddress: null }, (error, socket) => {
          if (error !== null) return reject(error);
          put(keyOf(url.protocol, hostname, url.port), socket as Socket);
          resolve();
        });
      }),
  };
}
