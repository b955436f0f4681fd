/**
 * The composition root: the only place that picks the store implementation and wires the
 * clock, logger, flows, engine and HTTP server together.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import { fetch as undiciFetch, type Dispatcher } from 'undici';
import type { Connector, ConnectorRateLimit } from '@weft/sdk';
import { builtInConnectors } from '@weft/connectors';
import { retentionMs, type WeftConfig } from './config.ts';
import { systemClock, systemRandom } from './core/clock.ts';
import { newId } from './core/ids.ts';
import { TERMINAL_STATUSES } from './core/run.ts';
import { createAuthFactory } from './connectors/connection-auth-factory.ts';
import { ConnectionError, createConnectionRuntime, type ConnectionRuntime } from './connectors/connection-runtime.ts';
import { createConnectorWebhooks } from './connectors/connector-webhooks.ts';
import { createEgressGuard } from './connectors/egress-guard.ts';
import { warmUpHttpClient } from './connectors/warm-up-http.ts';
import { createConnectionLimiter, mergeRateLimits } from './connectors/rate-limit/limiter.ts';
import { createConnectorRegistry } from './connectors/registry.ts';
import { openVault, readFlowSecrets, type OpenedVault } from './connectors/vault/open-vault.ts';
import { createEngine, type Engine } from './engine/engine.ts';
import { createPoller, type Poller } from './engine/poller.ts';
import { startExceptionFeeds } from './engine/exception-feed.ts';
import { startSchedules } from './engine/schedules.ts';
import { startFlowTriggers, type FlowTriggers } from './engine/flow-triggers.ts';
import { isConnectorCall, type Step } from './flows/flow-schema.ts';
import { formatDiagnostic, loadFlows, type LoadedFlow } from './flows/load-flow.ts';
import { watchFlowFiles } from './flows/watch-flows.ts';
import { buildApp } from './http/app.ts';
import { ensureAdminPassword } from './http/api/admin-password.ts';
import { createConnectionsView } from './http/api/connections-view.ts';
import { createFlowSwitch, enabledOf } from './http/api/flow-switch.ts';
import { createJobRunner } from './http/api/jobs.ts';
import { describeConsole } from './http/console-static.ts';
import { authorize } from './http/api/auth.ts';
import { createAlertNotifier } from './observability/alerts/alert-notifier.ts';
import { startAlerting } from './observability/alerts/alerting.ts';
import { createUnrenewableTokens } from './observability/alerts/unrenewable-tokens.ts';
import { observeLimiter, observeLimiterSleep } from './observability/limiter-observer.ts';
import { createRunLogContext } from './observability/run-log-context.ts';
import { createMetrics, type WeftMetrics } from './observability/metrics.ts';
import { startTracing } from './observability/tracing.ts';
import { observeStore } from './store/observed-store.ts';
import { createPostgresStore } from './store/postgres/postgres-store.ts';
import { createSqliteStore } from './store/sqlite/sqlite-store.ts';
import type { Connection, Store } from './store/store.ts';
import { createExpressionEngine, type ExpressionEngine } from './transforms/expression.ts';

/** This process, as a worker: leases and concurrency slots are held in its name. */
const WORKER_ID = `${hostname()}:${process.pid}`;

/** How often the flow switches are read again: a read of a few rows, for what other processes switched. */
const FLOW_SWITCH_REFRESH_MS = 2_000;

export class FlowLoadError extends Error {
  readonly code = 'ERR_FLOW_INVALID';
}

export interface RunningWeft {
  url: string;
  store: Store;
  engine: Engine;
  outbound: Outbound;
  /** The HTTP app, for in-process requests (`app.inject`) in tests. */
  app: FastifyInstance;
  close(): Promise<void>;
}

/** PostgreSQL when `database` is set (many processes share it), else SQLite at `db`. */
export async function openStore(config: WeftConfig): Promise<Store> {
  if (config.database !== '') {
    return await createPostgresStore({ url: config.database, poolSize: config.databasePoolSize, applicationName: `weft ${WORKER_ID}` });
  }
  mkdirSync(dirname(config.db), { recursive: true });
  return await createSqliteStore({ path: config.db, synchronous: config.sqliteSynchronous });
}

/** `mixin` adds fields to every line (the flow and step of the run a line names). */
function createLogger(config: WeftConfig, mixin?: (fields: object) => object): Logger {
  return pino({ level: config.logLevel, base: { pid: process.pid }, ...(mixin ? { mixin } : {}) }, pino.destination({ fd: 2, sync: false }));
}

async function loadValidFlows(config: WeftConfig, expressions: ExpressionEngine, secrets: Record<string, string> | undefined): Promise<LoadedFlow[]> {
  const { flows, diagnostics } = await loadFlows(config.flows, { engine: expressions, env: process.env, ...(secrets ? { secrets } : {}) });
  if (diagnostics.length > 0) {
    throw new FlowLoadError(`flows do not validate:\n${diagnostics.map(formatDiagnostic).join('\n')}`);
  }
  return flows;
}

/** What calls leave through: the egress-guarded agent, and the connections behind `call: { connection }`. */
export interface Outbound {
  dispatcher: Dispatcher;
  vault: OpenedVault;
  connections: ConnectionRuntime;
}

export function openOutbound(config: WeftConfig, store: Store, extraConnectors: readonly Connector[] = [], metrics?: WeftMetrics): Outbound {
  const dispatcher = createEgressGuard({ allow: config.egressAllow }).dispatcher({ connections: 64, keepAliveTimeout: 10_000 });
  const vault = openVault(store.secrets, process.env);
  const createAuth = createAuthFactory({
    vault: vault.vault,
    clock: systemClock,
    // Token endpoints are outbound calls too: the same guard applies.
    fetch: (url, init) => undiciFetch(url, { ...(init as object), dispatcher }) as unknown as Promise<Response>,
  });
  const registry = createConnectorRegistry([...builtInConnectors, ...extraConnectors]);
  const createLimiter = (connection: Connection, connector: Connector) => {
    const limiter = createConnectionLimiter({
      state: store.rateLimits,
      clock: systemClock,
      key: connection.id,
      limits: mergeRateLimits(connector.rateLimit, connection.config.rateLimit as ConnectorRateLimit | undefined),
      holder: WORKER_ID,
      sleep: metrics ? observeLimiterSleep((ms) => sleep(ms), connection.id, metrics) : (ms) => sleep(ms),
    });
    return metrics ? observeLimiter(limiter, connection.id, metrics, systemClock) : limiter;
  };
  return { dispatcher, vault, connections: createConnectionRuntime({ registry, connections: store.connections, createAuth, createLimiter }) };
}

/** Every `call: { connection, action }` must name a connection that exists and an action its connector has. */
export async function checkFlowConnections(flows: LoadedFlow[], connections: ConnectionRuntime): Promise<void> {
  const problems: string[] = [];
  const check = async (flow: LoadedFlow, where: string, connectionId: string, problemWith: (connector: Connector) => string | undefined) => {
    try {
      const { connector } = await connections.resolve(connectionId);
      const problem = problemWith(connector);
      if (problem) problems.push(`${flow.file}: ${where}: ${problem}`);
    } catch (error) {
      if (!(error instanceof ConnectionError)) throw error;
      problems.push(`${flow.file}: ${where}: ${error.message}`);
    }
  };
  const visit = async (flow: LoadedFlow, steps: Step[]) => {
    for (const step of steps) {
      if ('each' in step) await visit(flow, step.steps);
      if (!('call' in step) || !isConnectorCall(step)) continue;
      await check(flow, `step '${step.id}'`, step.call.connection, (connector) =>
        connector.actions.some((action) => action.id === step.call.action)
          ? undefined
          : `connector '${connector.id}' has no action '${step.call.action}' (it has ${connector.actions.map((a) => a.id).join(', ')})`,
      );
    }
  };
  for (const flow of flows) {
    const trigger = flow.flow.trigger;
    if ('webhook' in trigger && trigger.webhook.connection !== undefined) {
      const wanted = trigger.webhook.trigger;
      await check(flow, 'trigger', trigger.webhook.connection, (connector) =>
        connector.triggers.some((t) => t.id === wanted && t.strategy === 'webhook') ? undefined : `connector '${connector.id}' has no webhook trigger '${wanted}'`,
      );
    }
    if ('poll' in trigger) {
      await check(flow, 'trigger', trigger.poll.connection, (connector) =>
        connector.triggers.some((t) => t.id === trigger.poll.trigger && t.strategy === 'poll')
          ? undefined
          : `connector '${connector.id}' has no poll trigger '${trigger.poll.trigger}'`,
      );
    }
    await visit(flow, flow.flow.steps);
  }
  if (problems.length > 0) throw new FlowLoadError(`flows call connections that are not ready:\n${problems.join('\n')}`);
}

/**
 * An engine and its poller on the configured store and outbound path. `role` names the
 * worker (`run`, `backfill`); an engine given no flows claims nothing: it only ingests.
 */
export function createConfiguredEngine(
  config: WeftConfig,
  parts: { store: Store; outbound: Outbound; log: Logger; flows: LoadedFlow[]; concurrency: number; role?: string; startIdle?: boolean; prunes?: { metrics: WeftMetrics } },
): { engine: Engine; poller: Poller } {
  const { store, outbound, log } = parts;
  const engine = createEngine({
    store,
    clock: systemClock,
    random: systemRandom,
    log,
    flows: parts.flows,
    workerId: parts.role === undefined ? WORKER_ID : `${WORKER_ID}:${parts.role}`,
    concurrency: parts.concurrency,
    leaseMs: config.leaseMs,
    pollIntervalMs: config.pollIntervalMs,
    auditBodyBytes: config.auditBodyBytes,
    redactFields: config.redactFields,
    dispatcher: outbound.dispatcher,
    egressAllow: config.egressAllow,
    connections: outbound.connections,
    ...(parts.startIdle ? { startIdle: true } : {}),
    // Only the engine that serves (start, dev) prunes: a `weft run` or a backfill is gone in a moment.
    ...(parts.prunes
      ? { retention: { runsMs: retentionMs(config.retentionRuns), callsMs: retentionMs(config.retentionCalls) }, onPruned: parts.prunes.metrics.recordPruned }
      : {}),
  });
  const poller = createPoller({
    engine,
    store,
    connections: outbound.connections,
    dispatcher: outbound.dispatcher,
    clock: systemClock,
    log,
    auditBodyBytes: config.auditBodyBytes,
    redactFields: config.redactFields,
  });
  return { engine, poller };
}

/** `weft start` / `weft dev`: the engine, its worker and the HTTP server, on one store. */
export async function startWeft(
  config: WeftConfig,
  options: { watch?: boolean; stdout?: (line: string) => void; stderr?: (line: string) => void; connectors?: readonly Connector[] } = {},
): Promise<RunningWeft> {
  const runLogContext = createRunLogContext();
  const log = createLogger(config, runLogContext.mixin);
  const expressions = createExpressionEngine({ budgetMs: config.mappingBudgetMs });
  // The flows' form first, before the store opens (their secrets come from the vault in it, so
  // the full load comes later): a start refused for a bad flow leaves no database behind.
  const { diagnostics } = await loadFlows(config.flows, { engine: expressions, env: process.env, resolveEnv: false });
  if (diagnostics.length > 0) {
    await expressions.close();
    throw new FlowLoadError(`flows do not validate:\n${diagnostics.map(formatDiagnostic).join('\n')}`);
  }
  const store = observeStore(await openStore(config), (error) => log.error({ err: error }, 'store.listener_failed'));
  store.observe(runLogContext.listener);
  const metrics = createMetrics({ store, clock: systemClock, ...(config.database === '' && config.db !== ':memory:' ? { sqlitePath: config.db } : {}) });
  const stopTracing = startTracing({ store });
  const outbound = openOutbound(config, store, options.connectors, metrics);
  for (const warning of outbound.vault.warnings) log.warn({ warning }, 'vault.master_key');
  // Before the engine starts: the first call a run makes must not be the process's slowest.
  await warmUpHttpClient().catch((error: unknown) => log.warn({ err: error }, 'http.warm_up_failed'));
  const load = async () => {
    const loaded = await loadValidFlows(config, expressions, await readFlowSecrets(outbound.vault));
    await checkFlowConnections(loaded, outbound.connections);
    return loaded;
  };
  const flows = await load().catch(async (error) => {
    await Promise.all([expressions.close(), store.close(), outbound.dispatcher.close()]);
    throw error;
  });
  // Flows an admin disabled stay out of the engine from the first claim on.
  const disabledFlows = new Set(await store.flowStates.disabled());
  // Idle until the server listens: a start that cannot bind its port must have run nothing.
  const { engine, poller } = createConfiguredEngine(config, { store, outbound, log, flows: enabledOf(flows, disabledFlows), concurrency: config.workerConcurrency, startIdle: true, prunes: { metrics } });
  const feedOptions = { engine, store, clock: systemClock, log, intervalMs: config.pollIntervalMs };
  // What makes new runs of a flow (its schedule, polling, exception feed) runs only while it is
  // enabled, flow by flow: a switch or a reload restarts only the flows it changed.
  let triggers: FlowTriggers | undefined;
  const startTriggersOf = (flow: LoadedFlow) => {
    const running = [startSchedules(engine, [flow], log), poller.start([flow]), startExceptionFeeds(feedOptions, [flow])];
    return { stop: () => running.forEach((trigger) => trigger.stop()) };
  };
  const flowSwitch = createFlowSwitch({
    apply: (enabled) => {
      engine.replaceFlows(enabled);
      triggers?.apply(enabled);
    },
    flowStates: store.flowStates,
    clock: systemClock,
    flows,
    disabled: disabledFlows,
  });
  // Bulk replays and discards: kept in the store, worked here once the engine runs (ADR-0016). A
  // replay reads its run's ordering key by the flow as loaded now, as the API's single replay does.
  const jobs = createJobRunner({
    store,
    flowOf: (flowId) => flowSwitch.get(flowId),
    clock: systemClock,
    log,
    owner: WORKER_ID,
    leaseMs: config.leaseMs,
    afterReplay: () => engine.kick(),
  });
  const app = await buildApp({
    engine,
    clock: systemClock,
    maxBodyBytes: config.maxBodyBytes,
    connectorWebhook: createConnectorWebhooks(outbound.connections, outbound.vault.vault),
    log,
    observability: { metrics, store, authorize },
    api: {
      log,
      context: {
        store,
        engine,
        flows: flowSwitch,
        clock: systemClock,
        sessionTtlMs: config.adminSessionTtlMs,
        redactFields: config.redactFields,
        jobs,
        connections: createConnectionsView({
          store,
          runtime: outbound.connections,
          vault: outbound.vault.vault,
          dispatcher: outbound.dispatcher,
          clock: systemClock,
          auditBodyBytes: config.auditBodyBytes,
          redactFields: config.redactFields,
        }),
      },
    },
  });
  let address: string;
  try {
    address = await app.listen({ host: config.host, port: config.port });
  } catch (error) {
    await app.close();
    await engine.stop(0);
    await Promise.all([expressions.close(), store.close(), outbound.dispatcher.close()]);
    stopTracing();
    metrics.stop();
    throw error;
  }
  const url = address.replace('[::1]', '127.0.0.1');
  // Only once the port is ours: the one-time admin password is then printed, not lost.
  const { generated: adminPassword } = await ensureAdminPassword(store.tokens, config.adminPassword, Date.now());
  engine.start();
  jobs.run();
  triggers = startFlowTriggers(startTriggersOf, flowSwitch.enabled());
  const alerting =
    store.alertIncidents === undefined
      ? undefined
      : startAlerting({
          rules: config.alerts,
          incidents: store.alertIncidents,
          sources: { store, unrenewableTokens: createUnrenewableTokens(store.connections, outbound.vault.vault) },
          notify: createAlertNotifier({ dispatcher: outbound.dispatcher, sleep: (ms) => sleep(ms) }),
          clock: systemClock,
          intervalMs: config.alertEvaluationSeconds * 1000,
          log,
        });
  // A flow switched by another process sharing the store is switched here within this interval.
  const switchRefresh = setInterval(() => {
    flowSwitch.refresh().catch((error: unknown) => log.warn({ err: error }, 'flows.switch_refresh_failed'));
  }, FLOW_SWITCH_REFRESH_MS);
  switchRefresh.unref();

  const watchers: Array<{ close(): void }> = [];
  if (options.watch) {
    let pending: NodeJS.Timeout | undefined;
    const reload = async () => {
      try {
        const next = await load();
        flowSwitch.replace(next);
        options.stdout?.(`flows reloaded: ${next.map((f) => f.flow.id).join(', ')}`);
      } catch (error) {
        options.stderr?.(`flows not reloaded, the running flows stay:\n${(error as Error).message}`);
      }
    };
    watchers.push(
      watchFlowFiles(
        config.flows,
        () => {
          clearTimeout(pending);
          pending = setTimeout(() => void reload(), 150);
        },
        (path, error) => log.warn({ path, err: error }, 'flows.watch_failed'),
      ),
    );
  }

  options.stdout?.(`weft listening on ${url}`);
  options.stdout?.(describeConsole(url));
  if (adminPassword !== undefined) options.stdout?.(`admin password (shown this once; set adminPassword to choose your own): ${adminPassword}`);
  let closing: Promise<void> | undefined;
  return {
    url,
    store,
    engine,
    outbound,
    app,
    close: () =>
      (closing ??= (async () => {
        watchers.forEach((w) => w.close());
        clearInterval(switchRefresh);
        // A switch refresh still reading starts nothing after this.
        triggers?.stop();
        alerting?.stop();
        // Stop accepting first, so nothing is acknowledged that the worker will not see.
        await app.close();
        // The item under way finishes; the rest of its job is handed back for the next process.
        await jobs.stop();
        await engine.stop(Math.max(0, config.shutdownTimeoutMs - 5_000));
        metrics.stop();
        stopTracing();
        await outbound.dispatcher.close();
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
function flowNamed(flows: LoadedFlow[], flowId: string, config: WeftConfig): LoadedFlow {
  const flow = flows.find((f) => f.flow.id === flowId);
  if (!flow) throw new FlowLoadError(`no flow '${flowId}' in ${config.flows.join(', ')}`);
  return flow;
}

export async function runManual(
  config: WeftConfig,
  flowId: string,
  input: unknown,
  options: { wait?: boolean } = {},
): Promise<{ runId: string; status: string; dueAt?: number }> {
  const log = createLogger(config);
  const expressions = createExpressionEngine({ budgetMs: config.mappingBudgetMs });
  if (config.database === '' && config.db !== ':memory:' && !existsSync(config.db)) {
    // The first run creates the database: a run that cannot start must not leave one behind.
    // (Without a database there is no vault, so the flows load here as they will below.)
    try {
      flowNamed(await loadValidFlows(config, expressions, undefined), flowId, config);
    } catch (error) {
      await expressions.close();
      throw error;
    }
  }
  const store = await openStore(config);
  const outbound = openOutbound(config, store);
  let engine: Engine | undefined;
  try {
    const flow = flowNamed(await loadValidFlows(config, expressions, await readFlowSecrets(outbound.vault)), flowId, config);
    // Without --wait nothing runs here: a worker with no flows claims nothing.
    ({ engine } = createConfiguredEngine(config, { store, outbound, log, flows: options.wait ? [flow] : [], concurrency: 1, role: 'run' }));
    if (options.wait) await checkFlowConnections([flow], outbound.connections);
    const outcome = await engine.accept(flow, { source: 'manual', headers: {}, query: {}, body: input, dedupeKey: `manual:${newId('in', Date.now())}` });
    if (!options.wait) return { runId: outcome.runId, status: 'queued' };
    for (;;) {
      const run = await store.getRun(outcome.runId);
      if (run && TERMINAL_STATUSES.includes(run.status)) return { runId: run.id, status: run.status };
      // A delay, a retry or a destination's pause: this process does not wait that long.
      if (run?.status === 'waiting') return { runId: run.id, status: run.status, dueAt: run.dueAt };
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    await engine?.stop(5_000);
    await outbound.dispatcher.close();
    await store.close();
    await expressions.close();
  }
}
