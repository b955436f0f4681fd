/** Test support for the CLI tests: the real `weft` binary as a child process, and a seeded store. */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { newId } from '../core/ids.ts';
import type { TriggerEvent } from '../core/run.ts';
import { createSqliteStore } from '../store/sqlite/sqlite-store.ts';
import type { Store } from '../store/store.ts';

const WEFT_BIN = fileURLToPath(new URL('../../bin/weft.js', import.meta.url));

export interface WeftResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runWeft(args: string[], options: { cwd: string; env?: Record<string, string> }): Promise<WeftResult> {
  return waitForExit(spawnWeft(args, options));
}

export function spawnWeft(args: string[], options: { cwd: string; env?: Record<string, string> }): ChildProcessByStdio<null, Readable, Readable> {
  // The child sees none of the developer's WEFT_* settings, only the test's.
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('WEFT_')));
  return spawn(process.execPath, [WEFT_BIN, ...args], { cwd: options.cwd, env: { ...env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
}

export function waitForExit(child: ChildProcessByStdio<null, Readable, Readable>): Promise<WeftResult> {
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * `weft start` (or `weft dev`) as a child process, once it says it listens: its URL, the child
 * (to signal), and its exit with everything it printed. It fails with the child's stderr when the
 * child exits before listening.
 */
export async function startWeftServer(
  args: string[],
  options: { cwd: string; env?: Record<string, string> },
): Promise<{ url: string; child: ChildProcessByStdio<null, Readable, Readable>; exited: Promise<WeftResult> }> {
  const child = spawnWeft(args, options);
  const exited = waitForExit(child);
  const url = await new Promise<string>((resolve, reject) => {
    let stdout = '';
    const onData = (chunk: string) => {
      stdout += chunk;
      const listening = /weft listening on (http:\/\/\S+)\n/.exec(stdout);
      if (listening === null) return;
      child.stdout.off('data', onData);
      resolve(listening[1]!);
    };
    child.stdout.on('data', onData);
    void exited.then((result) => reject(new Error(`weft ${args[0]} exited before listening (code ${result.code}): ${result.stderr}`)));
  });
  return { url, child, exited };
}

const tempDirs: string[] = [];
process.once('exit', () => tempDirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** A fresh folder, removed when the test process exits. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'weft-cli-'));
  tempDirs.push(dir);
  return dir;
}

export const SEED_TIME = Date.UTC(2026, 0, 2, 9, 30);

export interface SeededStore {
  path: string;
  succeededRunId: string;
  /** Two open exceptions of flow `orders`: a validation one, then a destination-down one. */
  exceptions: Array<{ id: string; runId: string }>;
}

/** A database with one succeeded run (two checkpoints, one call) and two runs parked as exceptions. */
export async function seedStore(dir: string): Promise<SeededStore> {
  const path = join(dir, 'weft.db');
  const store = createSqliteStore({ path });
  try {
    const succeededRunId = await ingestAndClaim(store, 1, async (runId, fence, now) => {
      await store.checkpoint(runId, fence, { path: 'salesOrder', output: { externalId: '1001' }, outcome: 'done' }, { now });
      await store.recordCall(call(runId, now, 201, '{"id":"SO-1"}'));
      await store.checkpoint(runId, fence, { path: 'createSalesOrder', output: { id: 'SO-1' }, outcome: 'done' }, { now });
      await store.completeRun(runId, fence, now);
    });
    const exceptions = [];
    for (const [n, reason, status] of [[2, 'validation', 422], [3, 'destination-down', 503]] as const) {
      let id = '';
      const runId = await ingestAndClaim(store, n, async (runId, fence, now) => {
        await store.checkpoint(runId, fence, { path: 'onlyGifts', output: false, outcome: 'skipped' }, { now });
        await store.recordCall(call(runId, now, status, '{"error":"no"}'));
        id = await store.parkException(runId, fence, {
          reason,
          message: `The ERP refused order ${1000 + n}.`,
          stepPath: 'createSalesOrder',
          input: { id: 1000 + n },
          lastResponse: { status, headers: {}, body: '{"error":"no"}' },
          now,
        });
      });
      exceptions.push({ id, runId });
    }
    return { path, succeededRunId, exceptions };
  } finally {
    await store.close();
  }
}

async function ingestAndClaim(store: Store, n: number, work: (runId: string, fence: number, now: number) => Promise<void>): Promise<string> {
  const now = SEED_TIME + n * 1000;
  const event: TriggerEvent = {
    id: newId('evt', now),
    source: 'webhook',
    receivedAt: new Date(now).toISOString(),
    headers: {},
    query: {},
    body: { id: 1000 + n },
  };
  const runId = newId('run', now);
  await store.ingest({ id: event.id, flowId: 'orders', dedupeKey: `order-${n}`, orderingKey: null, receivedAt: now, event, runId });
  const claimed = await store.claimRuns({ workerId: 'seed', now, leaseMs: 30_000, limit: 1, flowConcurrency: {}, flowIds: ['orders'] });
  const run = claimed.find((candidate) => candidate.id === runId);
  if (!run) throw new Error(`seed: run ${runId} was not claimed`);
  await work(runId, run.fence, now);
  return runId;
}

function call(runId: string, at: number, status: number, responseBody: string) {
  return {
    at,
    flowId: 'orders',
    runId,
    stepPath: 'createSalesOrder',
    attempt: 1,
    method: 'POST',
    url: 'https://erp.example.com/api/sales-orders',
    status,
    durationMs: 42,
    requestHeaders: { 'content-type': 'application/json', 'idempotency-key': 'weft-abc' },
    requestBody: '{"externalId":"1001"}',
    responseHeaders: { 'content-type': 'application/json' },
    responseBody,
    error: null,
  };
}
