import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { Pool } from 'undici';

/**
 * The least a durable receiver must do, written by hand: the bare forwarder plus the writes
 * Weft's guarantees need and nothing else — no flow language, no retries, no leases, no
 * management API. The event is committed before its 202 (deduplicated on the webhook id); the
 * effect's intent is committed before the request; the audit record, the effect's result and
 * the run's end are committed after the answer. Writes from all requests share one transaction
 * per turn of the event loop (group commit, `synchronous=FULL`, as the engine). It measures
 * what durability itself costs in Node on this machine, so the engine's distance from it is
 * the engine's own overhead.
 */

interface ShopifyOrder {
  order_number: number;
  currency: string;
  line_items: { sku: string; quantity: number; price: string }[];
}

const schema = `
  CREATE TABLE events (id TEXT PRIMARY KEY, dedupe_key TEXT NOT NULL UNIQUE, received_at INTEGER NOT NULL, payload TEXT NOT NULL);
  CREATE TABLE runs (id TEXT PRIMARY KEY, event_id TEXT NOT NULL, status TEXT NOT NULL, updated_at INTEGER NOT NULL);
  CREATE TABLE effects (key TEXT PRIMARY KEY, run_id TEXT NOT NULL, status TEXT NOT NULL, result TEXT);
  CREATE TABLE calls (id INTEGER PRIMARY KEY, at INTEGER NOT NULL, run_id TEXT NOT NULL, url TEXT NOT NULL, status INTEGER,
    duration_ms REAL NOT NULL, request_headers TEXT NOT NULL, request_body TEXT, response_headers TEXT NOT NULL, response_body TEXT);`;

function openDatabase(path: string, options: { createSchema?: boolean } = {}) {
  // Both threads' connections wait for each other's write lock rather than fail.
  const db = new Database(path, { timeout: 5000 });
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  if (options.createSchema) db.exec(schema);
  const statements = {
    insertEvent: db.prepare('INSERT INTO events (id, dedupe_key, received_at, payload) VALUES (?, ?, ?, ?) ON CONFLICT (dedupe_key) DO NOTHING'),
    insertRun: db.prepare(`INSERT INTO runs (id, event_id, status, updated_at) VALUES (?, ?, 'running', ?)`),
    beginEffect: db.prepare(`INSERT INTO effects (key, run_id, status) VALUES (?, ?, 'pending')`),
    endEffect: db.prepare(`UPDATE effects SET status = 'done', result = ? WHERE key = ?`),
    endRun: db.prepare(`UPDATE runs SET status = 'succeeded', updated_at = ? WHERE id = ?`),
    recordCall: db.prepare(`INSERT INTO calls (at, run_id, url, status, duration_ms, request_headers, request_body, response_headers, response_body)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
  };
  const begin = db.prepare('BEGIN IMMEDIATE');
  const commit = db.prepare('COMMIT');
  let pending: Array<{ work: () => unknown; done: (value: unknown) => void }> = [];
  let isScheduled = false;
  function flush(): void {
    isScheduled = false;
    const batch = pending;
    pending = [];
    begin.run();
    const values = batch.map((write) => write.work());
    commit.run();
    batch.forEach((write, index) => write.done(values[index]));
  }
  function write<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve) => {
      pending.push({ work, done: resolve as (value: unknown) => void });
      if (!isScheduled) {
        isScheduled = true;
        setImmediate(flush);
      }
    });
  }
  return { db, statements, write };
}

/** What the ingest thread hands the delivering thread once an event's run is committed. */
interface CommittedRun {
  runId: string;
  order: ShopifyOrder;
}

type FloorDatabase = ReturnType<typeof openDatabase>;

/** Delivers committed runs, writing through `database` (the ingest's own, or a thread's). */
function startDeliverer(sinkUrl: string, { statements, write }: FloorDatabase) {
  const sink = new URL(sinkUrl);
  const pool = new Pool(sink.origin, { connections: 32 });
  const sinkPath = `${sink.pathname.replace(/\/$/, '')}/api/sales-orders`;

  async function deliver({ runId, order }: CommittedRun): Promise<void> {
    const body = JSON.stringify({
      externalId: String(order.order_number),
      currency: order.currency,
      lines: order.line_items.map((line) => ({ sku: line.sku, quantity: line.quantity, unitPrice: Number(line.price) })),
    });
    const key = `${runId}:createOrder`;
    await write(() => statements.beginEffect.run(key, runId));
    const headers = { 'content-type': 'application/json', 'idempotency-key': key };
    const startedAt = Date.now();
    const response = await pool.request({ method: 'POST', path: sinkPath, headers, body });
    const text = await response.body.text();
    await write(() => {
      statements.recordCall.run(startedAt, runId, sinkPath, response.statusCode, Date.now() - startedAt, JSON.stringify(headers), body, JSON.stringify(response.headers), text);
      statements.endEffect.run(text, key);
      statements.endRun.run(Date.now(), runId);
    });
  }
  return {
    // As in the bare forwarder, a failed forward is dropped: the floor has no retries.
    deliver: (run: CommittedRun) => void deliver(run).catch(() => {}),
    close: () => pool.close(),
  };
}

/**
 * With `threads: 2` the runs are delivered by a worker thread with a connection of its own, so
 * an acknowledgement never waits behind delivery work: the two threads share only SQLite's
 * write lock. It prices what spreading the durable work over both cores can buy on this machine.
 */
function startDeliveringThread(options: { sinkUrl: string; dbPath: string }) {
  const bootstrap = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})
    .then((api) => { api.register(); return import(${JSON.stringify(import.meta.url)}); });`;
  const worker = new Worker(bootstrap, { eval: true, execArgv: [], workerData: options });
  let batch: CommittedRun[] = [];
  return {
    ready: new Promise<void>((resolve, reject) => {
      worker.once('message', () => resolve());
      worker.once('error', reject);
    }),
    // Runs committed in one turn go over in one message.
    deliver(run: CommittedRun): void {
      if (batch.length === 0) setImmediate(() => worker.postMessage(batch.splice(0)));
      batch.push(run);
    },
    close: async () => {
      await worker.terminate();
    },
  };
}

export async function startDurableFloor(options: { sinkUrl: string; secret: string; dbPath: string; threads: 1 | 2; port?: number }) {
  const database = openDatabase(options.dbPath, { createSchema: true });
  const { db, statements, write } = database;
  const deliverer = options.threads === 2 ? startDeliveringThread(options) : startDeliverer(options.sinkUrl, database);
  if ('ready' in deliverer) await deliverer.ready;

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const rawBody = Buffer.concat(chunks);
      const signature = request.headers['x-shopify-hmac-sha256'];
      const expected = createHmac('sha256', options.secret).update(rawBody).digest();
      const given = Buffer.from(typeof signature === 'string' ? signature : '', 'base64');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        response.writeHead(401).end();
        return;
      }
      let order: ShopifyOrder;
      try {
        order = JSON.parse(rawBody.toString('utf8')) as ShopifyOrder;
      } catch {
        response.writeHead(400).end();
        return;
      }
      const eventId = randomUUID();
      const runId = randomUUID();
      const payload = JSON.stringify({ headers: request.headers, body: order });
      write(() => {
        const inserted = statements.insertEvent.run(eventId, String(request.headers['x-shopify-webhook-id'] ?? eventId), Date.now(), payload);
        if (inserted.changes === 1) statements.insertRun.run(runId, eventId, Date.now());
        return inserted.changes === 1;
      }).then((isNew) => {
        response.writeHead(isNew ? 202 : 200).end();
        if (isNew) deliverer.deliver({ runId, order });
      }, () => response.writeHead(503).end());
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await deliverer.close();
      db.close();
    },
  };
}

if (isMainThread) {
  const { values } = parseArgs({ options: { 'sink-url': { type: 'string' }, secret: { type: 'string' }, db: { type: 'string' }, threads: { type: 'string', default: '1' } } });
  if (values['sink-url'] === undefined || values.secret === undefined || values.db === undefined) throw new Error('--sink-url, --secret and --db are required');
  if (values.threads !== '1' && values.threads !== '2') throw new Error(`--threads takes 1 or 2, got ${values.threads}`);
  const floor = await startDurableFloor({ sinkUrl: values['sink-url'], secret: values.secret, dbPath: values.db, threads: values.threads === '2' ? 2 : 1 });
  process.stdout.write(`floor listening on ${floor.url}\n`);
  const stop = () => void floor.close().then(() => process.exit(0), () => process.exit(1));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
} else {
  const { sinkUrl, dbPath } = workerData as { sinkUrl: string; dbPath: string };
  const deliverer = startDeliverer(sinkUrl, openDatabase(dbPath));
  parentPort?.on('message', (runs: CommittedRun[]) => runs.forEach(deliverer.deliver));
  parentPort?.postMessage('ready');
}
