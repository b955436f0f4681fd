import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BalancedPool } from 'undici';
import { envVarName } from '../packages/weft/src/config.ts';
import { startErp } from '../packages/weft/src/demo/erp.ts';
import { orderNumberOf } from '../packages/weft/src/demo/shop.ts';
import { startPrivatePostgres, type PrivatePostgres } from '../packages/weft/test/support/private-postgres.ts';
import { withDatabase } from '../packages/weft/test/support/postgres.ts';
import { benchFlow, drive, hookPath, peakRssMb, percentile, prepareEvents, secret, spawnTarget, startTarget, stopChild, type RunningTarget } from './webhook-throughput.ts';

/**
 * The webhook → map → call workload of webhook-throughput.ts on PostgreSQL with 1, 2 and 4
 * `weft start` processes sharing one database (load spread across them), next to the SQLite
 * engine and the bare-Node forwarder measured in the same run. Also counts the database round
 * trips per event: the number that decides how far more cores and machines carry the store.
 * See bench/README.md.
 */

const repoRoot = fileURLToPath(new URL('..', import.meta.url));

interface Options {
  events: number;
  warmup: number;
  concurrency: number;
  processes: number[];
  timeoutSeconds: number;
  weftBin: string;
  isJson: boolean;
  /** Print which statements make up the round trips of each PostgreSQL run. */
  showStatements: boolean;
}

interface Row {
  target: string;
  processes: number;
  ackedPerSecond: number;
  deliveredPerSecond: number;
  ackP99Ms: number;
  deliveryP99Ms: number;
  /** Top-level statements the server executed per measured event (pg_stat_statements); node-pg sends each in its own round trip. */
  statementsPerEvent: number | null;
  /** Transactions committed per measured event (pg_stat_database.xact_commit). */
  commitsPerEvent: number | null;
  peakRssMb: number | null;
  lost: number;
  duplicates: number;
  ackFailures: number;
}

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      events: { type: 'string', default: '5000' },
      warmup: { type: 'string', default: '300' },
      concurrency: { type: 'string', default: '32' },
      processes: { type: 'string', default: '1,2,4' },
      'timeout-seconds': { type: 'string', default: '180' },
      weft: { type: 'string', default: join(repoRoot, 'packages/weft/bin/weft.js') },
      json: { type: 'boolean', default: false },
      statements: { type: 'boolean', default: false },
    },
  });
  const positive = (name: string, raw: string): number => {
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer, got ${raw}`);
    return value;
  };
  return {
    events: positive('events', values.events),
    warmup: Number(values.warmup),
    concurrency: positive('concurrency', values.concurrency),
    processes: values.processes.split(',').map((n) => positive('processes', n.trim())),
    timeoutSeconds: positive('timeout-seconds', values['timeout-seconds']),
    weftBin: values.weft,
    isJson: values.json,
    showStatements: values.statements,
  };
}

/** Several `weft start` processes on one PostgreSQL database; the bench spreads its load over their hook URLs. */
async function startPostgresWorkers(count: number, databaseUrl: string, erpUrl: string, workDir: string, weftBin: string): Promise<RunningTarget[]> {
  const flowsDir = join(workDir, 'flows');
  await mkdir(flowsDir, { recursive: true });
  await writeFile(join(flowsDir, 'bench-orders.flow.yaml'), benchFlow);
  const env = { ...process.env, NO_COLOR: '1', WEFT_LOG_LEVEL: 'warn', BENCH_SECRET: secret, ERP_URL: erpUrl, WEFT_EGRESS_ALLOW: new URL(erpUrl).host, [envVarName('database')]: databaseUrl };
  return Promise.all(
    Array.from({ length: count }, async () => {
      const { child, baseUrl } = await spawnTarget([process.execPath, weftBin, 'start', '--flows', flowsDir, '--port', '0'], env, /weft listening on (http:\/\/\S+)/);
      return { hookUrl: baseUrl + hookPath, pid: child.pid ?? 0, stop: () => stopChild(child) };
    }),
  );
}

/** Top-level statements and commits the server has counted for one database so far. */
async function serverCounters(server: PrivatePostgres, database: string): Promise<{ statements: number; commits: number }> {
  return withDatabase(server.url, async (client) => {
    const statements = await client.query(`SELECT coalesce(sum(calls), 0) AS n FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = $1`, [database]);
    // Statistics reach pg_stat_database when a backend reports them; ask for a fresh snapshot.
    await client.query('SELECT pg_stat_clear_snapshot()');
    const commits = await client.query(`SELECT xact_commit AS n FROM pg_stat_database WHERE datname = $1`, [database]);
    return { statements: Number(statements.rows[0].n), commits: Number(commits.rows[0]?.n ?? 0) };
  });
}

/** The statements of one database by calls per event (warm-up included), most frequent first. */
async function statementBreakdown(server: PrivatePostgres, database: string, events: number): Promise<string> {
  const { rows } = await withDatabase(server.url, (client) =>
    client.query<{ calls: string; query: string }>(
      `SELECT s.calls, regexp_replace(s.query, '\\s+', ' ', 'g') AS query FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
        WHERE d.datname = $1 ORDER BY s.calls DESC LIMIT 15`,
      [database],
    ),
  );
  return rows.map((row) => `  ${(Number(row.calls) / events).toFixed(2).padStart(6)}  ${row.query.slice(0, 110)}`).join('\n');
}

async function measure(label: string, processes: number, options: Options, start: (erpUrl: string, workDir: string) => Promise<RunningTarget[]>, counters?: () => Promise<{ statements: number; commits: number }>): Promise<Row> {
  const firstMeasured = options.warmup + 1;
  const events = options.events;
  const deliveredAt = new Float64Array(events).fill(Number.NaN);
  let warmupDelivered = 0;
  let measuredDelivered = 0;
  let lastDeliveredAt = 0;
  const erp = await startErp({
    latencyMs: 0,
    now: () => performance.now(),
    onCreate: (externalId, atMs) => {
      const index = Number(externalId) - orderNumberOf(firstMeasured);
      if (index < 0) warmupDelivered += 1;
      else if (index < events && Number.isNaN(deliveredAt[index])) {
        deliveredAt[index] = atMs;
        measuredDelivered += 1;
        lastDeliveredAt = Math.max(lastDeliveredAt, atMs);
      }
    },
  });
  const workDir = await mkdtemp(join(tmpdir(), 'weft-bench-pg-'));
  let targets: RunningTarget[] = [];
  let pool: BalancedPool | undefined;
  try {
    targets = await start(erp.url, workDir);
    // Every target serves the same path, so one balanced pool spreads the senders over them.
    pool = new BalancedPool(targets.map((target) => new URL(target.hookUrl).origin), { connections: options.concurrency });
    const deadline = performance.now() + options.timeoutSeconds * 1000;
    const waitFor = async (isDone: () => boolean) => {
      while (!isDone() && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    };
    const mode = { kind: 'max', concurrency: options.concurrency } as const;
    if (options.warmup > 0) {
      await drive(pool, hookPath, prepareEvents(1, options.warmup, `${label}-${processes}-warmup`), mode);
      await waitFor(() => warmupDelivered >= options.warmup);
    }
    const prepared = prepareEvents(firstMeasured, events, `${label}-${processes}`);
    const before = await counters?.();
    const result = await drive(pool, hookPath, prepared, mode);
    await waitFor(() => measuredDelivered >= events);
    // Backends report commit counts at most once a second; let the last of them arrive.
    if (counters) await new Promise((resolve) => setTimeout(resolve, 2_000));
    const after = await counters?.();
    if (result.firstFailure !== undefined) process.stderr.write(`${label} × ${processes}: ${result.failures} events refused, the first with ${result.firstFailure}\n`);
    const firstSendAt = result.sentAt[0] ?? 0;
    const perSecond = (count: number, lastAt: number) => (count > 0 ? count / ((lastAt - firstSendAt) / 1000) : 0);
    const rss = targets.map((target) => peakRssMb(target.pid));
    return {
      target: label,
      processes,
      ackedPerSecond: perSecond(events - result.failures, result.lastAckAt),
      deliveredPerSecond: perSecond(measuredDelivered, lastDeliveredAt),
      ackP99Ms: percentile(result.ackLatencyMs, 0.99),
      deliveryP99Ms: percentile(
        deliveredAt.map((at, index) => at - (result.sentAt[index] ?? Number.NaN)),
        0.99,
      ),
      statementsPerEvent: before && after ? (after.statements - before.statements) / events : null,
      commitsPerEvent: before && after ? (after.commits - before.commits) / events : null,
      peakRssMb: rss.every((mb) => mb !== null) ? rss.reduce<number>((sum, mb) => sum + (mb ?? 0), 0) : null,
      lost: events - measuredDelivered,
      duplicates: erp.stats().duplicateCreations,
      ackFailures: result.failures,
    };
  } finally {
    await pool?.close();
    await Promise.all(targets.map((target) => target.stop()));
    await erp.close();
    await rm(workDir, { recursive: true, force: true });
  }
}

function formatTable(options: Options, rows: Row[]): string {
  const fixed = (value: number | null, digits: number) => (value !== null && Number.isFinite(value) ? value.toFixed(digits) : '-');
  const bare = rows.find((row) => row.target === 'bare');
  const single = rows.find((row) => row.target === 'postgres' && row.processes === 1);
  const header = ['target', 'procs', 'acked/s', 'delivered/s', 'ack p99', 'deliv p99', '÷ bare', '÷ pg×1', 'stmts/ev', 'commits/ev', 'peak RSS', 'lost', 'dup'];
  const cells = rows.map((row) => [
    row.target,
    String(row.processes),
    fixed(row.ackedPerSecond, 0),
    fixed(row.deliveredPerSecond, 0),
    `${fixed(row.ackP99Ms, 1)} ms`,
    `${fixed(row.deliveryP99Ms, 0)} ms`,
    bare ? fixed(row.deliveredPerSecond / bare.deliveredPerSecond, 2) : '-',
    single && row.target === 'postgres' ? fixed(row.deliveredPerSecond / single.deliveredPerSecond, 2) : '-',
    fixed(row.statementsPerEvent, 1),
    fixed(row.commitsPerEvent, 1),
    row.peakRssMb === null ? '-' : `${fixed(row.peakRssMb, 0)} MB`,
    String(row.lost),
    String(row.duplicates),
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...cells.map((row) => row[column]?.length ?? 0)));
  const line = (row: string[]) => row.map((cell, column) => (column < 1 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0))).join('  ');
  return [
    `webhook → ERP at max throughput (concurrency ${options.concurrency}), ${options.events} events per run after ${options.warmup} warm-up; node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}`,
    '÷ columns compare delivered/s; stmts/ev (= round trips) and commits/ev are counted by the server (pg_stat_statements, pg_stat_database)',
    '',
    line(header),
    line(header.map((_, column) => '-'.repeat(widths[column] ?? 0))),
    ...cells.map(line),
  ].join('\n');
}

async function main(): Promise<void> {
  const options = parseOptions();
  const progress = (text: string) => process.stderr.write(`${text}\n`);
  // A server of its own: nothing else's queries in the counters, and pg_stat_statements loaded.
  const server = await startPrivatePostgres({ settings: { shared_preload_libraries: 'pg_stat_statements', max_connections: '200' } });
  const rows: Row[] = [];
  try {
    await withDatabase(server.url, (client) => client.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements'));
    progress('bare forwarder');
    rows.push(await measure('bare', 1, options, async (erpUrl, workDir) => [await startTarget('bare', erpUrl, workDir, options.weftBin)]));
    progress('weft on SQLite');
    rows.push(await measure('sqlite', 1, options, async (erpUrl, workDir) => [await startTarget('weft', erpUrl, workDir, options.weftBin)]));
    for (const count of options.processes) {
      const database = `bench_${count}`;
      await withDatabase(server.url, (client) => client.query(`CREATE DATABASE ${database}`));
      progress(`weft on PostgreSQL, ${count} process${count > 1 ? 'es' : ''}`);
      rows.push(
        await measure(
          'postgres',
          count,
          options,
          (erpUrl, workDir) => startPostgresWorkers(count, server.urlFor(database), erpUrl, workDir, options.weftBin),
          () => serverCounters(server, database),
        ),
      );
      if (options.showStatements) progress(await statementBreakdown(server, database, options.warmup + options.events));
    }
  } finally {
    await server.destroy();
  }
  if (options.isJson) {
    process.stdout.write(`${JSON.stringify({ options, machine: { node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model ?? null }, rows }, null, 2)}\n`);
  } else {
    process.stdout.write(`${formatTable(options, rows)}\n`);
  }
  if (rows.some((row) => row.lost > 0 || row.duplicates > 0 || row.ackFailures > 0)) process.exitCode = 1;
}

await main();
