/**
 * The composition root: the only place that picks the store implementation and wires the
 * clock, logger, flows, engine and HTTP server together.
 */
import { mkdirSync, watch, type FSWatcher } from 'node:fs';
import { dirname } from 'node:path';
import { hostname } from 'node:os';
import pino, { type Logger } from 'pino';
import { systemClock, systemRandom } from './core/clock.ts';
import { newId } from './core/ids.ts';
import { TERMINAL_STATUSES } from './core/run.ts';
import type { WeftConfig } from './config.ts';
import { createEngine, type Engine } from './engine/engine.ts';
import { startSchedules } from './engine/schedules.ts';
import { formatDiagnostic, loadFlows, type LoadedFlow } from './flows/load-flow.ts';
import { buildApp } from './http/app.ts';
import { createSqliteStore } from './store/sqlite/sqlite-store.ts';
import type { Store } from './store/store.ts';
import { createExpressionEngine, type ExpressionEngine } from './transforms/expression.ts';

export class FlowLoadError extends Error {
  readonly code = 'ERR_FLOW_INVALID';
}

export interface RunningWeft {
  url: string;
  store: Store;
  engine: Engine;
  close(): Promise<void>;
}

export async function openStore(config: WeftConfig): Promise<Store> {
  mkdirSync(dirname(config.db), { recursive: true });
  return await createSqliteStore({ path: config.db, synchronous: config.sqliteSynchronous });
}

function createLogger(config: WeftConfig): Logger {
  return pino({ level: config.logLevel, base: { pid: process.pid } }, pino.destination({ fd: 2, sync: false }));
}

async function loadValidFlows(config: WeftConfig, expressions: ExpressionEngine): Promise<LoadedFlow[]> {
  const { flows, diagnostics } = await loadFlows(config.flows, { engine: expressions, env: process.env });
  if (diagnostics.length > 0) {
    throw new FlowLoadError(`flows do not validate:\n${diagnostics.map(formatDiagnostic).join('\n')}`);
  }
  return flows;
}

/** `weft start` / `weft dev`: the engine, its worker and the HTTP server, on one store. */
export async function startWeft(
  config: WeftConfig,
  options: { watch?: boolean; stdout?: (line: string) => void } = {},
): Promise<RunningWeft> {
  const log = createLogger(config);
  const expressions = createExpressionEngine({ budgetMs: config.mappingBudgetMs });
  const flows = await loadValidFlows(config, expressions).catch(async (error) => {
    await expressions.close();
    throw error;
  });
  const store = await openStore(config);
  const engine = createEngine({
    store,
    clock: systemClock,
    random: systemRandom,
    log,
    flows,
    workerId: `${hostname()}:${process.pid}`,
    concurrency: config.workerConcurrency,
    leaseMs: config.leaseMs,
    pollIntervalMs: config.pollIntervalMs,
    auditBodyBytes: config.auditBodyBytes,
    redactFields: config.redactFields,
    egressAllow: config.egressAllow,
  });
  let schedules = startSchedules(engine, flows, log);
  const flowLimits = flows.map((f) => ('webhook' in f.flow.trigger ? (f.flow.trigger.webhook.maxBodyBytes ?? 0) : 0));
  const app = await buildApp({ engine, clock: systemClock, maxBodyBytes: Math.max(config.maxBodyBytes, ...flowLimits) });
  const address = await app.listen({ host: config.host, port: config.port });
  const url = address.replace('[::1]', '127.0.0.1');

  const watchers: FSWatcher[] = [];
  if (options.watch) {
    let pending: NodeJS.Timeout | undefined;
    const reload = async () => {
      try {
        const next = await loadValidFlows(config, expressions);
        engine.replaceFlows(next);
        schedules.stop();
        schedules = startSchedules(engine, next, log);
        options.stdout?.(`flows reloaded: ${next.map((f) => f.flow.id).join(', ')}`);
      } catch (error) {
        options.stdout?.(`flows not reloaded, the running flows stay:\n${(error as Error).message}`);
      }
    };
    for (const path of config.flows) {
      try {
        watchers.push(
          watch(path, { recursive: true }, () => {
            clearTimeout(pending);
            pending = setTimeout(() => void reload(), 150);
          }),
        );
      } catch (error) {
        log.warn({ path, err: error }, 'flows.watch_failed');
      }
    }
  }

  options.stdout?.(`weft listening on ${url}`);
  let closing: Promise<void> | undefined;
  return {
    url,
    store,
    engine,
    close: () =>
      (closing ??= (async () => {
        watchers.forEach((w) => w.close());
        schedules.stop();
        // Stop accepting first, so nothing is acknowledged that the worker will not see.
        await app.close();
        await engine.stop(Math.max(0, config.shutdownTimeoutMs - 5_000));
        await store.close();
        await expressions.close();
        log.flush();
      })()),
  };
}

/**
 * `weft run <flow> --input file.json`: commits a manual event; with `wait`, executes it here
 * and returns its final status (a running `weft start` would pick it up otherwise).
 */
export async function runManual(
  config: WeftConfig,
  flowId: string,
  input: unknown,
  options: { wait?: boolean } = {},
): Promise<{ runId: string; status: string }> {
  const log = createLogger(config);
  const expressions = createExpressionEngine({ budgetMs: config.mappingBudgetMs });
  const store = await openStore(config);
  let engine: Engine | undefined;
  try {
    const flows = await loadValidFlows(config, expressions);
    const flow = flows.find((f) => f.flow.id === flowId);
    if (!flow) throw new FlowLoadError(`no flow '${flowId}' in ${config.flows.join(', ')}`);
    engine = createEngine({
      store,
      clock: systemClock,
      random: systemRandom,
      log,
      // Without --wait nothing runs here: a worker with no flows claims nothing.
      flows: options.wait ? [flow] : [],
      workerId: `${hostname()}:${process.pid}:run`,
      concurrency: 1,
      leaseMs: config.leaseMs,
      pollIntervalMs: config.pollIntervalMs,
      auditBodyBytes: config.auditBodyBytes,
      redactFields: config.redactFields,
      egressAllow: config.egressAllow,
    });
    const outcome = await engine.accept(flow, { source: 'manual', headers: {}, query: {}, body: input, dedupeKey: `manual:${newId('in', Date.now())}` });
    if (!options.wait) return { runId: outcome.runId, status: 'queued' };
    for (;;) {
      const run = await store.getRun(outcome.runId);
      if (run && (TERMINAL_STATUSES.includes(run.status) || run.status === 'waiting')) return { runId: run.id, status: run.status };
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    await engine?.stop(5_000);
    await store.close();
    await expressions.close();
  }
}
