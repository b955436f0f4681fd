import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { runStoreContract } from '../store.contract.ts';
import type { StoreHarness } from '../store.contract.ts';
import { StoreUnavailableError } from '../store.ts';
import type { ClaimedRun } from '../store.ts';
import { runVaultStorageContract } from '../../connectors/vault/vault-storage.contract.ts';
import { runRateLimitStateContract } from '../../connectors/rate-limit/rate-limit-state.contract.ts';
import { databaseUrl, scratchDatabase, scratchSchema, skipWithoutPostgres, withDatabase } from '../../../test/support/postgres.ts';
import { migrationFiles } from './postgres-migrations.ts';
import { createPostgresStore } from './postgres-store.ts';
import type { PostgresStore, PostgresStoreOptions } from './postgres-store.ts';
import { testEvent } from '../testing-events.ts';

const T0 = Date.UTC(2026, 0, 1);
const HOUR = 3_600_000;

/** A TCP relay to the test server that the test can cut and restore, as a server restart would. */
async function startRelay(target: URL): Promise<{ url: string; cut(): Promise<void>; restore(): Promise<void>; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server = createServer((client) => {
        const upstream = connect(Number(target.port || 5432), target.hostname);
        for (const socket of [client, upstream]) {
          sockets.add(socket);
          socket.on('close', () => sockets.delete(socket));
          socket.on('error', () => {});
        }
        client.pipe(upstream).pipe(client);
      });
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        port = (server!.address() as { port: number }).port;
        resolve();
      });
    });
  const cut = async () => {
    await new Promise<void>((resolve) => {
      server?.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    });
    server = undefined;
  };
  await listen();
  const url = new URL(target);
  url.port = String(port);
  return { url: url.toString(), cut, restore: listen, close: cut };
}

interface PostgresHarness extends StoreHarness {
  store: PostgresStore;
  schema: string;
  reopen: () => Promise<PostgresStore>;
}

/**
 * A store in a fresh schema of the test database; with `ownDatabase`, in a fresh database instead:
 * NOTIFY reaches every listener of a database, so a test counting wake-ups must not share one
 * with test files running at the same time.
 */
async function openScratchStore(options: Partial<PostgresStoreOptions> = {}, { ownDatabase = false } = {}): Promise<PostgresHarness> {
  const schema = scratchSchema();
  const database = ownDatabase ? await scratchDatabase() : undefined;
  const url = new URL(options.url ?? databaseUrl!);
  if (database !== undefined) url.pathname = new URL(database.url).pathname;
  const opened: PostgresStore[] = [];
  const open = async () => {
    const store = await createPostgresStore({ poolSize: 4, ...options, url: url.toString(), ...(database === undefined ? { schema: schema.name } : {}) });
    opened.push(store);
    return store;
  };
  return {
    store: await open(),
    schema: schema.name,
    reopen: open,
    cleanup: async () => {
      for (const store of opened) await store.close();
      await (database ?? schema).drop();
    },
  };
}

if (skipWithoutPostgres) {
  describe('postgres store', () => {
    it('runs the store contract on PostgreSQL', { skip: skipWithoutPostgres }, () => {});
  });
} else {
  runStoreContract('postgres', () => openScratchStore());

  const cleanups: Array<() => Promise<void>> = [];
  const openPart = async () => {
    const harness = await openScratchStore();
    cleanups.push(harness.cleanup);
    return harness.store;
  };
  describe('postgres store', () => {
    let harness: PostgresHarness;
    afterEach(async () => {
      await harness.cleanup();
    });

    it('keeps caps and ordering keys across processes claiming at once', async () => {
      harness = await openScratchStore();
      // Three stores with their own pools: three worker processes as far as the database can tell.
      const workers = [harness.store, await harness.reopen(), await harness.reopen()];
      const keys = ['k1', 'k2', 'k3', 'k4'];
      const events = [
        ...Array.from({ length: 40 }, (_, i) => testEvent({ flowId: 'capped', receivedAt: T0 + i })),
        ...Array.from({ length: 40 }, (_, i) => testEvent({ flowId: 'keyed', orderingKey: keys[i % keys.length]!, receivedAt: T0 + i })),
      ];
      // One at a time: concurrent ingests take their creation order (seq) in whatever order the
      // pool's connections run them, and event order is creation order.
      for (const event of events) await harness.store.ingest(event);
      const expectedOrder = new Map(keys.map((key) => [key, events.filter((event) => event.orderingKey === key).map((event) => event.runId)]));

      const live = new Set<ClaimedRun>();
      const finishedByKey = new Map<string, string[]>();
      const violations: string[] = [];
      let done = 0;
      const work = async (store: typeof harness.store, name: string) => {
        while (done < events.length) {
          const claimed = await store.claimRuns({ workerId: name, now: T0 + HOUR, leaseMs: HOUR, limit: 4, flowConcurrency: { capped: 3 }, flowIds: ['capped', 'keyed'] });
          for (const run of claimed) live.add(run);
          const capped = [...live].filter((run) => run.flowId === 'capped').length;
          if (capped > 3) violations.push(`${capped} capped runs live at once`);
          for (const key of keys) {
            const sameKey = [...live].filter((run) => run.orderingKey === key).length;
            if (sameKey > 1) violations.push(`${sameKey} runs of ${key} live at once`);
          }
          await Promise.all(
            claimed.map(async (run) => {
              await sleep(5);
              await store.completeRun(run.id, run.fence, T0 + HOUR);
              if (run.orderingKey !== null) finishedByKey.set(run.orderingKey, [...(finishedByKey.get(run.orderingKey) ?? []), run.id]);
              live.delete(run);
              done += 1;
            }),
          );
          if (claimed.length === 0) await sleep(2);
        }
      };
      await Promise.all(workers.map((store, index) => work(store, `worker-${index}`)));
      assert.deepEqual(violations, []);
      assert.equal(done, events.length);
      assert.deepEqual((await harness.store.countRuns()).succeeded, events.length);
      for (const key of keys) assert.deepEqual(finishedByKey.get(key), expectedOrder.get(key), `runs of ${key} in event order`);
    });

    it('applies each migration once when several processes open a new database at once', async () => {
      const schema = scratchSchema();
      const stores = await Promise.all([1, 2, 3].map(() => createPostgresStore({ url: databaseUrl!, schema: schema.name, poolSize: 1 })));
      harness = {
        store: stores[0]!,
        schema: schema.name,
        reopen: () => createPostgresStore({ url: databaseUrl!, schema: schema.name }),
        cleanup: async () => {
          for (const store of stores) await store.close();
          await schema.drop();
        },
      };
      const applied = await withDatabase(databaseUrl!, async (client) =>
        (await client.query<{ name: string }>(`SELECT name FROM ${schema.name}.schema_migrations ORDER BY version`)).rows.map((row) => row.name),
      );
      assert.deepEqual(applied, migrationFiles());
      for (const store of stores) assert.deepEqual(await store.readiness(), { status: 'ready' });
    });

    it('refuses a database a newer Weft migrated', async () => {
      harness = await openScratchStore();
      const { schema } = harness;
      await withDatabase(databaseUrl!, (client) => client.query(`INSERT INTO ${schema}.schema_migrations (version, name) VALUES (9999, '9999-from-the-future.sql')`));
      await assert.rejects(createPostgresStore({ url: databaseUrl!, schema }), /the database schema is at migration 9999, newer than this Weft knows/);
    });

    it('applies the writes on one run in the order they were called, also when none is awaited', async () => {
      harness = await openScratchStore();
      const { store } = harness;
      const event = testEvent();
      const outcome = await store.ingest(event, { workerId: 'w', leaseMs: HOUR });
      assert.ok(outcome.status === 'accepted' && outcome.claimed);
      const { fence } = outcome.claimed;
      const writes = Array.from({ length: 20 }, (_, i) => store.checkpoint(event.runId, fence, { path: `step${i}`, output: i, outcome: 'done' }, { now: T0 + i }));
      writes.push(store.completeRun(event.runId, fence, T0 + 100).then(() => undefined));
      await Promise.all(writes);
      const run = await store.getRun(event.runId);
      assert.equal(run?.status, 'succeeded');
      assert.deepEqual(run?.checkpoints.map((checkpoint) => checkpoint.output), Array.from({ length: 20 }, (_, i) => i));
    });

    it('answers the effect another process began while this begin waited for it, instead of failing', async () => {
      harness = await openScratchStore();
      const { store } = harness;
      const event = testEvent();
      await store.ingest(event, { workerId: 'w', leaseMs: HOUR });
      // Another process's begin of the same key, uncommitted: this store's insert waits on it, and
      // its statement's snapshot predates that commit.
      const other = new pg.Client({ connectionString: databaseUrl });
      await other.connect();
      try {
        await other.query(`SET search_path TO ${pg.escapeIdentifier(harness.schema)}`);
        await other.query('BEGIN');
        await other.query(`INSERT INTO effects (key, run_id, step_path, status, created_at) VALUES ('weft-race', $1, 'post', 'pending', $2)`, [event.runId, T0 + 1]);
        const begun = store.beginEffect({ key: 'weft-race', runId: event.runId, stepPath: 'post', now: T0 + 2 });
        await sleep(200);
        await other.query('COMMIT');
        const { effect } = await begun;
        assert.deepEqual([effect.status, effect.createdAt], ['pending', T0 + 1]);
      } finally {
        await other.end();
      }
    });

    it('shares one rate-limit budget between processes: of many takes at one instant, one gets the only token', async () => {
      harness = await openScratchStore();
      const stores = [harness.store, await harness.reopen(), await harness.reopen()];
      const charge = [{ key: 'erp', limit: { capacity: 1, refillPerSecond: 10 }, cost: 1 }];
      const results = await Promise.all(Array.from({ length: 30 }, (_, i) => stores[i % stores.length]!.rateLimits.take(charge, { now: () => T0 })));
      assert.equal(results.filter((result) => result.granted).length, 1);
      const slots = await Promise.all(Array.from({ length: 12 }, (_, i) => stores[i % stores.length]!.rateLimits.acquireSlot('erp', { capacity: 2, holder: `w${i}`, now: T0, leaseMs: HOUR })));
      assert.equal(slots.filter((slot) => slot.acquired).length, 2);
    });

    it('wakes listeners in other processes when work is committed, and not for a run claimed on ingest', async () => {
      harness = await openScratchStore({}, { ownDatabase: true });
      const other = await harness.reopen();
      let wakes = 0;
      const stop = other.onWorkAvailable(() => {
        wakes += 1;
      });
      // LISTEN runs on a connection of its own; once it holds, the listener is told to look once.
      for (let waited = 0; wakes === 0 && waited < 5000; waited += 20) await sleep(20);
      assert.equal(wakes, 1, 'told to look once when listening starts');
      await harness.store.ingest(testEvent(), { workerId: 'w', leaseMs: HOUR });
      await sleep(300);
      assert.equal(wakes, 1, 'a run its worker already holds wakes nobody');
      await harness.store.ingest(testEvent());
      for (let waited = 0; wakes === 1 && waited < 5000; waited += 20) await sleep(20);
      assert.equal(wakes, 2, 'the ingest woke the other store');
      stop();
    });

    it('counts round trips: one for an ingest, three when a claim on ingest needs an ordering key lock, one for a claim, two when it took runs of ordering keys', async () => {
      harness = await openScratchStore();
      const { store } = harness;
      let before = store.stats().queries;
      await store.ingest(testEvent({ orderingKey: 'k' }));
      assert.equal(store.stats().queries - before, 1);
      before = store.stats().queries;
      await store.ingest(testEvent({ orderingKey: 'k2' }), { workerId: 'w', leaseMs: HOUR });
      assert.equal(store.stats().queries - before, 3);
      before = store.stats().queries;
      assert.equal((await store.claimRuns({ workerId: 'w', now: T0, leaseMs: HOUR, limit: 10, flowConcurrency: {}, flowIds: ['orders'] })).length, 1);
      assert.equal(store.stats().queries - before, 2, 'its runs of ordering keys are read again once it committed');
      await store.ingest(testEvent({ flowId: 'plain' }));
      before = store.stats().queries;
      assert.equal((await store.claimRuns({ workerId: 'w', now: T0, leaseMs: HOUR, limit: 10, flowConcurrency: {}, flowIds: ['plain'] })).length, 1);
      assert.equal(store.stats().queries - before, 1);
    });

    describe('a replay racing claims of its ordering key', () => {
      const HOLDER = 'worker-slow';
      const suffix = () => Math.random().toString(36).slice(2, 10);
      /** Another process on the harness's schema, named so the test can see what it waits on. */
      const openProcess = async (applicationName: string) => {
        const store = await createPostgresStore({ url: databaseUrl!, schema: harness.schema, poolSize: 2, applicationName });
        processes.push(store);
        return store;
      };
      let processes: PostgresStore[] = [];
      /** Gates a failed test left closed: opened first, or its held statements would keep their stores from closing. */
      const gates: Array<{ open(): Promise<void> }> = [];
      afterEach(async () => {
        for (const gate of gates.splice(0)) await gate.open();
        for (const store of processes.splice(0)) await store.close();
      });

      /** Until a statement of the process named `applicationName` waits for a lock. */
      const untilWaitingForLock = async (applicationName: string) => {
        for (const deadline = Date.now() + 10_000; ; await sleep(10)) {
          const [row] = await withDatabase(databaseUrl!, (client) =>
            client.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`, [applicationName]),
          ).then((result) => result.rows);
          if ((row?.n ?? 0) > 0) return;
          if (Date.now() > deadline) throw new Error(`${applicationName} never waited for a lock`);
        }
      };

      /**
       * Holds every statement that writes a run leased to HOLDER (a claim, a claim on ingest) at
       * that row, after the statement's snapshot was taken, until `open()`: the window in which
       * another process's commit is invisible to the statement and its own claim to others.
       */
      const closeGate = async () => {
        const gateKey = 1 + Math.floor(Math.random() * 2_000_000_000);
        const gate = new pg.Client({ connectionString: databaseUrl });
        await gate.connect();
        const schema = pg.escapeIdentifier(harness.schema);
        await gate.query(`
          CREATE FUNCTION ${schema}.hold_at_gate() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN PERFORM pg_advisory_xact_lock_shared(${gateKey}); RETURN NEW; END $$;
          CREATE TRIGGER hold_at_gate BEFORE INSERT OR UPDATE ON ${schema}.runs FOR EACH ROW
            WHEN (NEW.lease_owner = '${HOLDER}') EXECUTE FUNCTION ${schema}.hold_at_gate();`);
        await gate.query(`SELECT pg_advisory_lock(${gateKey})`);
        let isOpen = false;
        const handle = {
          async open() {
            if (isOpen) return;
            isOpen = true;
            await gate.query(`SELECT pg_advisory_unlock(${gateKey})`);
            await gate.query(`DROP FUNCTION ${schema}.hold_at_gate() CASCADE`);
            await gate.end();
          },
        };
        gates.push(handle);
        return handle;
      };

      async function parkedFirstRun(store: PostgresStore) {
        const first = testEvent({ orderingKey: 'k' });
        await store.ingest(first);
        const [run] = await store.claimRuns({ workerId: 'worker-a', now: T0, leaseMs: HOUR, limit: 1, flowConcurrency: {}, flowIds: ['orders'] });
        const exceptionId = await store.parkException(first.runId, run!.fence, { reason: 'validation', message: 'no email', stepPath: 'map', input: {}, lastResponse: undefined, now: T0 });
        return { first, exceptionId };
      }
      const claimAt = (store: PostgresStore, workerId: string) =>
        store.claimRuns({ workerId, now: T0 + 1, leaseMs: HOUR, limit: 10, flowConcurrency: {}, flowIds: ['orders'] });
      const liveRuns = async (store: PostgresStore) => (await store.listRuns({ flowId: 'orders', status: 'running' })).map((run) => run.id);

      it('never runs two runs of one key when a claim decided before the replay committed commits after it', async () => {
        harness = await openScratchStore();
        const slowName = `weft-slow-${suffix()}`;
        const slow = await openProcess(slowName);
        const fast = await openProcess(`weft-fast-${suffix()}`);
        const { first, exceptionId } = await parkedFirstRun(harness.store);
        const second = testEvent({ orderingKey: 'k' });
        await harness.store.ingest(second);
        // Its worker died: its lease is over by the time the claims below look.
        await harness.store.claimRuns({ workerId: 'worker-dead', now: T0, leaseMs: 1, limit: 1, flowConcurrency: {}, flowIds: ['orders'] });

        const gate = await closeGate();
        // Its snapshot shows the first run parked: the second is the key's turn, and it takes it over.
        const slowClaim = claimAt(slow, HOLDER);
        await untilWaitingForLock(slowName);
        await harness.store.replayException(exceptionId, { now: T0 + 1 });
        // Its snapshot shows the first run queued again and the second not yet claimed.
        const fastClaimed = await claimAt(fast, 'worker-fast');
        await gate.open();
        const slowClaimed = await slowClaim;

        assert.deepEqual(await liveRuns(harness.store), [first.runId], 'one run of the key at a time');
        assert.deepEqual([fastClaimed.map((run) => run.id), slowClaimed.map((run) => run.id)], [[first.runId], []]);
        assert.equal((await harness.store.getRun(second.runId))?.status, 'queued', 'handed back before anyone started it, to run after the first');
        await harness.store.completeRun(first.runId, fastClaimed[0]!.fence, T0 + 2);
        const [next] = await claimAt(fast, 'worker-fast');
        assert.deepEqual([next?.id, next?.takeovers], [second.runId, 1], 'taken over once, from the worker that died: the hand-back is no takeover');
      });

      it('never runs two runs of one key when a claim on ingest decided before the replay committed commits after it', async () => {
        harness = await openScratchStore();
        const slowName = `weft-slow-${suffix()}`;
        const replayName = `weft-replay-${suffix()}`;
        const slow = await openProcess(slowName);
        const replaying = await openProcess(replayName);
        const fast = await openProcess(`weft-fast-${suffix()}`);
        const { first, exceptionId } = await parkedFirstRun(harness.store);

        const gate = await closeGate();
        // Its snapshot shows the first run parked: the new run may be claimed as it is inserted.
        const slowIngest = slow.ingest(testEvent({ orderingKey: 'k' }), { workerId: HOLDER, leaseMs: HOUR });
        await untilWaitingForLock(slowName);
        const replayed = replaying.replayException(exceptionId, { now: T0 + 1 });
        await Promise.race([replayed, untilWaitingForLock(replayName)]);
        // Its snapshot shows no claim of the new run yet (its ingest has not committed).
        const fastClaimed = await claimAt(fast, 'worker-fast');
        await gate.open();
        const ingested = await slowIngest;
        await replayed;

        assert.ok(ingested.status === 'accepted' && ingested.claimed, 'claimed on ingest: the only earlier run of its key was parked when it committed');
        assert.deepEqual(fastClaimed, []);
        assert.deepEqual(await liveRuns(harness.store), [ingested.runId], 'one run of the key at a time');
        assert.deepEqual(await claimAt(fast, 'worker-fast'), [], 'the replayed run waits for the one holding its key');
        assert.equal((await harness.store.getRun(first.runId))?.status, 'queued');
      });
    });

    it('answers unavailable while the server cannot be reached, changes nothing, and recovers by itself', async () => {
      const relay = await startRelay(new URL(databaseUrl!));
      try {
        harness = await openScratchStore({ url: relay.url, connectTimeoutMs: 1000 }, { ownDatabase: true });
        const { store } = harness;
        let wakes = 0;
        store.onWorkAvailable(() => {
          wakes += 1;
        });
        for (let waited = 0; wakes === 0 && waited < 5000; waited += 20) await sleep(20);
        assert.equal(wakes, 1, 'listening before the cut');
        assert.equal((await store.ingest(testEvent())).status, 'accepted');
        await relay.cut();
        const rejected = testEvent();
        await assert.rejects(store.ingest(rejected), StoreUnavailableError);
        await assert.rejects(store.ingest(testEvent()), StoreUnavailableError, 'also with no connection left in the pool');
        const wakesWhileCut = wakes;
        await relay.restore();
        const accepted = testEvent();
        assert.equal((await store.ingest(accepted)).status, 'accepted');
        assert.equal(await store.getRun(rejected.runId), undefined);
        assert.equal((await store.countRuns()).queued, 2);
        // The listening connection comes back too, and says work may have arrived meanwhile.
        for (let waited = 0; wakes === wakesWhileCut && waited < 10_000; waited += 50) await sleep(50);
        assert.ok(wakes > wakesWhileCut, 'listening again after the server came back');
      } finally {
        await harness?.cleanup();
        harness = { cleanup: async () => {} } as typeof harness;
        await relay.close();
      }
    });

    it('is not ready while writes fail as unavailable though reads answer, and ready again once a write works', async () => {
      harness = await openScratchStore();
      const { store, schema } = harness;
      const delivered = testEvent();
      assert.equal((await store.ingest(delivered)).status, 'accepted');
      // A full disk, as the server reports it (SQLSTATE 53100), on every write the store and its
      // readiness probe make; reads are untouched. An event already stored needs no new space:
      // its redelivery goes on to conflict, as it would on a real full disk.
      const failWrites = `
        CREATE FUNCTION ${schema}.disk_full() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN
            IF TG_TABLE_NAME = 'events' AND EXISTS (SELECT 1 FROM ${schema}.events e WHERE e.flow_id = NEW.flow_id AND e.dedupe_key = NEW.dedupe_key) THEN
              RETURN NEW;
            END IF;
            RAISE EXCEPTION 'could not extend file: No space left on device' USING ERRCODE = 'disk_full';
          END $$;
        CREATE TRIGGER disk_full BEFORE INSERT ON ${schema}.events FOR EACH ROW EXECUTE FUNCTION ${schema}.disk_full();
        CREATE TRIGGER disk_full BEFORE UPDATE ON ${schema}.schema_migrations FOR EACH ROW EXECUTE FUNCTION ${schema}.disk_full();`;
      await withDatabase(databaseUrl!, (client) => client.query(failWrites));
      await assert.rejects(store.ingest(testEvent()), StoreUnavailableError);
      assert.equal((await store.countRuns()).queued, 1, 'reads still answer');
      const notReady = await store.readiness();
      assert.equal(notReady.status, 'not-ready');
      assert.match(notReady.detail ?? '', /^writes fail: the store is unavailable: 53100: could not extend file: No space left on device$/);
      // A redelivery is answered from the rows already there: its statement returns a row, writes none.
      assert.equal((await store.ingest({ ...delivered, id: 'evt_again', runId: 'run_again' })).status, 'duplicate');
      assert.equal((await store.readiness()).status, 'not-ready', 'a duplicate ingest proves nothing about writes');

      // Space is freed; no webhook arrives (a balancer sends none to a node that is not ready).
      await withDatabase(databaseUrl!, (client) => client.query(`DROP FUNCTION ${schema}.disk_full() CASCADE`));
      assert.deepEqual(await store.readiness(), { status: 'ready' });
      assert.equal((await store.ingest(testEvent())).status, 'accepted');
    });
  });

  runVaultStorageContract('postgres', async () => (await openPart()).secrets);
  runRateLimitStateContract('postgres', async () => (await openPart()).rateLimits);
  describe('postgres sub-object harness', () => {
    it('drops the schemas the vault and rate-limit contracts made', async () => {
      for (const cleanup of cleanups.splice(0)) await cleanup();
    });
  });
}
