import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { defineConnector } from '@weft/sdk';
import { loadConfig } from '../../src/config.ts';
import { loadFlows } from '../../src/flows/load-flow.ts';
import { createConfiguredEngine, openOutbound, openStore } from '../../src/main.ts';
import type { Store } from '../../src/store/store.ts';
import { createExpressionEngine } from '../../src/transforms/expression.ts';
import { createCustomer } from './toy-erp-customers.ts';

/** The toy ERP as a connector: its customer create, at the base URL its connection names. */
const toyErp = defineConnector({ id: 'toy-erp', name: 'Toy ERP', baseUrl: (config) => String(config.baseUrl), auth: [], actions: [createCustomer] });

/**
 * An engine in this process over `flows` (file name → flow YAML), on a SQLite store of its own, with
 * a connection `erp` to the toy ERP at `erpUrl`. `between` stands between the engine and its store
 * (a process that dies after some write); the store as opened stays `real`. `close` closes all of
 * it, last opened first.
 */
export async function startToyErpEngine(options: { flows: Record<string, string>; erpUrl: string; concurrency: number; between?: (real: Store) => Store }) {
  const cleanup: Array<() => Promise<void> | void> = [];
  const close = async () => {
    for (const step of cleanup.reverse()) await step();
  };
  try {
    const dir = mkdtempSync(join(tmpdir(), 'weft-toy-erp-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    mkdirSync(join(dir, 'flows'));
    for (const [name, text] of Object.entries(options.flows)) writeFileSync(join(dir, 'flows', name), text);
    const config = loadConfig({ cwd: dir, env: {}, overrides: { db: join(dir, 'weft.db'), flows: [join(dir, 'flows')], egressAllow: ['127.0.0.1'], pollIntervalMs: 50 } });
    const real = await openStore(config);
    cleanup.push(() => real.close());
    await real.connections.put({ id: 'erp', connectorId: toyErp.id, config: { baseUrl: options.erpUrl }, now: Date.now() });
    const store = options.between?.(real) ?? real;
    const expressions = createExpressionEngine();
    cleanup.push(() => expressions.close());
    const { flows, diagnostics } = await loadFlows(config.flows, { engine: expressions, env: {} });
    assert.deepEqual(diagnostics, []);
    const outbound = openOutbound(config, store, [toyErp]);
    cleanup.push(() => outbound.dispatcher.close());
    const { engine } = createConfiguredEngine(config, { store, outbound, log: pino({ level: 'silent' }), flows, concurrency: options.concurrency });
    cleanup.push(() => engine.stop(1_000));
    const flow = (id: string) => {
      const found = flows.find((loaded) => loaded.flow.id === id);
      if (found === undefined) throw new Error(`no flow '${id}' among ${Object.keys(options.flows).join(', ')}`);
      return found;
    };
    return {
      real,
      store,
      engine,
      /** Commits a manual event of flow `flowId` with `body`, for the engine to run. */
      start: (flowId: string, body: unknown) => engine.accept(flow(flowId), { source: 'manual', headers: {}, query: {}, body }),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
