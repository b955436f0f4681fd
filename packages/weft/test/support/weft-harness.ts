import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type WeftConfig } from '../../src/config.ts';
import { openStore, startWeft, type RunningWeft } from '../../src/main.ts';
import type { Store } from '../../src/store/store.ts';
import type { Connector } from '@weft/sdk';
import type { RunStatus } from '../../src/core/run.ts';

/** An in-process Weft on a temp SQLite file with the given flow files, on an ephemeral port. */
export interface TestWeftOptions {
  overrides?: Partial<WeftConfig>;
  /** Other files of the project (code step modules), relative to its folder. */
  files?: Record<string, string>;
  /** Runs on the store before Weft starts: connections must exist before flows load. */
  prepare?: (store: Store) => Promise<void>;
  /** Connectors besides the built-in ones. */
  connectors?: readonly Connector[];
}

/** An in-process Weft on a temp SQLite file with the given flow files, on an ephemeral port. */
export async function startTestWeft(
  flows: Record<string, string>,
  options: TestWeftOptions = {},
): Promise<RunningWeft & { config: WeftConfig; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'weft-test-'));
  const flowsDir = join(dir, 'flows');
  mkdirSync(flowsDir);
  for (const [name, text] of Object.entries(flows)) writeFileSync(join(flowsDir, name), text);
  for (const [name, text] of Object.entries(options.files ?? {})) writeFileSync(join(dir, name), text);
  const config = loadConfig({
    cwd: dir,
    env: {},
    overrides: { port: 0, db: join(dir, 'weft.db'), flows: [flowsDir], logLevel: 'silent', pollIntervalMs: 50, egressAllow: ['127.0.0.1'], ...options.overrides },
  });
  if (options.prepare) {
    const store = await openStore(config);
    await options.prepare(store);
    await store.close();
  }
  const weft = await startWeft(config, { ...(options.connectors ? { connectors: options.connectors } : {}) });
  return Object.assign(weft, { config, dir });
}

export async function settledRuns(weft: RunningWeft, flowId: string, expected: number, timeoutMs = 20_000): Promise<Record<RunStatus, number>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const counts = await weft.store.countRuns(flowId);
    if (counts.succeeded + counts.exception >= expected) return counts;
    if (Date.now() > deadline) throw new Error(`runs did not settle: ${JSON.stringify(counts)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
