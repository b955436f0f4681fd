import Database from 'better-sqlite3';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { makeOrders, startErpProcess, startPipeline, stepsOf } from './run-pipeline.ts';

/**
 * Which b-trees a run's commits write, in WAL pages per event: the one figure about the SQLite
 * store's write cost that does not move with the machine's load. Every page a commit changes is
 * a 4 KiB frame appended to the WAL (two `pwrite`s) and later copied into the database, and
 * every b-tree a commit touches costs at least one page however little changed in it — so the
 * count says what a schema or batching change saves before any timing can.
 * `node --import tsx bench/wal-pages.ts [--shapes when,call] [--events 3000] [--concurrency 4]`
 * (4 callers at a time gives commits about the size they have at 1,000 events/s; 32 is the
 * closed loop of run-pipeline.ts).
 */

const { values } = parseArgs({
  options: {
    shapes: { type: 'string', default: 'when,call' },
    events: { type: 'string', default: '3000' },
    warmup: { type: 'string', default: '3000' },
    concurrency: { type: 'string', default: '4' },
  },
});
const shapes = values.shapes.split(',');
for (const shape of shapes) if (!(shape in stepsOf)) throw new Error(`--shapes takes ${Object.keys(stepsOf).join(', ')}; got ${shape}`);
const events = Number(values.events);
const warmup = Number(values.warmup);
const concurrency = Number(values.concurrency);

const WAL_HEADER_BYTES = 32;
const FRAME_HEADER_BYTES = 24;

interface WalFrames {
  pages: number[];
  commits: number;
}

/** The frames of the WAL's current generation (those carrying the header's salts): their page numbers, and how many end a commit. */
function readWal(path: string): WalFrames {
  const wal = readFileSync(path);
  const pageSize = wal.readUInt32BE(8);
  const salts = [wal.readUInt32BE(16), wal.readUInt32BE(20)];
  const pages: number[] = [];
  let commits = 0;
  for (let at = WAL_HEADER_BYTES; at + FRAME_HEADER_BYTES + pageSize <= wal.length; at += FRAME_HEADER_BYTES + pageSize) {
    if (wal.readUInt32BE(at + 8) !== salts[0] || wal.readUInt32BE(at + 12) !== salts[1]) break;
    pages.push(wal.readUInt32BE(at));
    // A commit frame records the database's size in pages after the commit; other frames hold 0.
    if (wal.readUInt32BE(at + 4) !== 0) commits += 1;
  }
  return { pages, commits };
}

const erp = await startErpProcess();
try {
  for (const shape of shapes) {
    const pipeline = await startPipeline(shape, erp.url);
    const observer = new Database(pipeline.dbPath);
    try {
      // The warm-up grows every b-tree past its first pages, as in a database that has run a while.
      await pipeline.process(makeOrders(0, warmup), 0, concurrency);
      // Empty the WAL, then hold a read transaction open from there: checkpoints cannot move past
      // a reader, so every frame the measured events write stays in the WAL to be counted.
      observer.pragma('wal_checkpoint(TRUNCATE)');
      observer.exec('BEGIN');
      observer.prepare('SELECT count(*) FROM sqlite_schema').get();
      await pipeline.process(makeOrders(warmup, events), warmup, concurrency);
      const frames = readWal(`${pipeline.dbPath}-wal`);
      observer.exec('COMMIT');
      const ownerOf = new Map(
        (observer.prepare('SELECT pageno, name FROM dbstat').all() as { pageno: number; name: string }[]).map((row) => [row.pageno, row.name]),
      );
      const byOwner = new Map<string, number>();
      for (const page of frames.pages) {
        // A page freed since (a split's leftover) belongs to no b-tree any more.
        const owner = ownerOf.get(page) ?? '(freed)';
        byOwner.set(owner, (byOwner.get(owner) ?? 0) + 1);
      }
      process.stdout.write(
        `${shape}, ${concurrency} at a time: ${(frames.pages.length / events).toFixed(2)} pages/event, ` +
          `${(frames.pages.length / frames.commits).toFixed(1)} pages/commit, ${(frames.commits / events).toFixed(3)} commits/event\n`,
      );
      for (const [owner, count] of [...byOwner].sort((a, b) => b[1] - a[1])) {
        process.stdout.write(`  ${(count / events).toFixed(3).padStart(6)}  ${owner}\n`);
      }
    } finally {
      observer.close();
      await pipeline.close();
    }
  }
} finally {
  erp.child.kill();
}
