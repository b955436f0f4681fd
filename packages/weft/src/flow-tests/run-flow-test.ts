import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { fetch as undiciFetch } from 'undici';
import { AUTH_SECRETS } from '@weft/sdk';
import { builtInConnectors, builtInSandboxes, type BuiltInSandbox } from '@weft/connectors';
import type { WeftConfig } from '../config.ts';
import { systemRandom, type Clock } from '../core/clock.ts';
import { TERMINAL_STATUSES } from '../core/run.ts';
import { createAuthFactory } from '../connectors/connection-auth-factory.ts';
import { ConnectionError, createConnectionRuntime, type ConnectionRuntime } from '../connectors/connection-runtime.ts';
import { createConnectorWebhooks, WEBHOOK_SECRET } from '../connectors/connector-webhooks.ts';
import { createConnectionLimiter, mergeRateLimits } from '../connectors/rate-limit/limiter.ts';
import { createConnectorRegistry } from '../connectors/registry.ts';
import { generateMasterKey } from '../connectors/vault/master-key.ts';
import { openVault } from '../connectors/vault/open-vault.ts';
import type { Vault } from '../connectors/vault/vault.ts';
import { createEngine, type Engine } from '../engine/engine.ts';
import { formatDiagnostic, loadFlows, type LoadedFlow } from '../flows/load-flow.ts';
import { buildApp } from '../http/app.ts';
import { signWebhook, type SignatureConfig } from '../http/webhooks/signatures.ts';
import { checkFlowConnections } from '../main.ts';
import { createSqliteStore } from '../store/sqlite/sqlite-store.ts';
import type { Store } from '../store/store.ts';
import { createExpressionEngine } from '../transforms/expression.ts';
import { checkExpectations, type RunOutcome } from './check-expectations.ts';
import type { FlowTest, PreparedCase, PreparedInput, Stand } from './load-test-file.ts';
import { createOfflineDispatcher, originOf } from './offline-dispatcher.ts';
import { startReplayServer, type ReplayServer } from './replay-server.ts';

/** What every case shares: the project's settings, the variables flows may read, and time. */
export interface FlowTestEnvironment {
  config: WeftConfig;
  env: Record<string, string | undefined>;
  clock: Clock;
}

export interface CaseResult {
  file: string;
  name: string;
  passed: boolean;
  durationMs: number;
  /** Each explains one way the run differs from the test, in a few lines. */
  failures: string[];
}

/** A problem that ends a case before its expectations can be checked. */
class CaseAborted extends Error {}

/** Connections that replay a recording still need credentials to build their requests; none is real. */
const PLACEHOLDER_CREDENTIAL = 'weft-test-placeholder';

const FRAMING_HEADERS = new Set(['host', 'content-length', 'transfer-encoding', 'connection']);

/**
 * Runs one case in an engine of its own: a temporary SQLite store, a fresh vault, sandboxes and
 * replay servers on 127.0.0.1, and a dispatcher that lets nothing else out. Retries and delays
 * do not make the test wait: when the run is waiting, the engine's clock jumps to its due time.
 */
export async function runFlowTestCase(test: FlowTest, testCase: PreparedCase, environment: FlowTestEnvironment): Promise<CaseResult> {
  const started = environment.clock.now();
  const closers: Array<() => Promise<unknown> | void> = [];
  const failures: string[] = [];
  try {
    await execute(test, testCase, environment, closers, failures);
  } catch (error) {
    if (!(error instanceof CaseAborted)) throw error;
    failures.push(error.message);
  } finally {
    for (const close of closers.reverse()) {
      try {
        await close();
      } catch (error) {
        failures.push(`cleaning up failed: ${(error as Error).message}`);
      }
    }
  }
  return {
    file: test.file,
    name: testCase.name,
    passed: failures.length === 0,
    durationMs: environment.clock.now() - started,
    failures,
  };
}

async function execute(
  test: FlowTest,
  testCase: PreparedCase,
  environment: FlowTestEnvironment,
  closers: Array<() => Promise<unknown> | void>,
  failures: string[],
): Promise<void> {
  const { config } = environment;
  let offsetMs = 0;
  const clock: Clock = { now: () => environment.clock.now() + offsetMs };

  const dir = mkdtempSync(join(tmpdir(), 'weft-flow-test-'));
  closers.push(() => rmSync(dir, { recursive: true, force: true }));
  const store = createSqliteStore({ path: join(dir, 'weft.db') });
  closers.push(() => store.close());
  const { vault } = openVault(store.secrets, { WEFT_MASTER_KEY: generateMasterKey() });

  const stands = await startStands(test, closers);
  const routes = new Map<string, string>();
  for (const [origin, stand] of Object.entries(test.hosts)) routes.set(originOf(origin), stands.urlOf(stand));
  await addConnections(test, { store, vault, stands, routes, now: clock.now() });

  const offline = createOfflineDispatcher(routes);
  closers.push(() => offline.close());
  const registry = createConnectorRegistry(builtInConnectors);
  const connections = createConnectionRuntime({
    registry,
    connections: store.connections,
    createAuth: createAuthFactory({
      vault,
      clock,
      fetch: (url, init) => undiciFetch(url, { ...(init as object), dispatcher: offline.dispatcher }) as unknown as Promise<Response>,
    }),
    createLimiter: (connection, connector) =>
      createConnectionLimiter({
        state: store.rateLimits,
        clock,
        key: connection.id,
        limits: mergeRateLimits(connector.rateLimit, connection.config.rateLimit as Parameters<typeof mergeRateLimits>[1]),
        holder: 'weft-test',
        sleep: (ms) => sleep(ms),
      }),
  });

  const flow = await loadFlowUnderTest(test, environment, stands, closers);
  try {
    await checkFlowConnections([flow], connections);
  } catch (error) {
    throw new CaseAborted((error as Error).message);
  }
  const engine = createEngine({
    store,
    clock,
    random: systemRandom,
    log: pino({ level: 'silent' }),
    flows: [flow],
    workerId: 'weft-test',
    concurrency: 1,
    leaseMs: config.leaseMs,
    pollIntervalMs: 20,
    auditBodyBytes: config.auditBodyBytes,
    redactFields: config.redactFields,
    dispatcher: offline.dispatcher,
    // The project's own: a code step reaches in a test what it reaches in production.
    egressAllow: config.egressAllow,
    connections,
  });
  closers.push(() => engine.stop(1_000));

  const runId = await deliver(flow, testCase.input, { engine, clock, vault, connections, maxBodyBytes: config.maxBodyBytes }, closers);
  const deadline = environment.clock.now() + testCase.timeoutMs;
  for (;;) {
    const run = await store.getRun(runId);
    if (run && TERMINAL_STATUSES.includes(run.status)) break;
    if (environment.clock.now() > deadline) {
      throw new CaseAborted(`the run did not end within ${testCase.timeoutMs}ms (it is ${run?.status ?? 'missing'}${run?.lastError ? `: ${run.lastError}` : ''})`);
    }
    if (run?.status === 'waiting' && run.dueAt > clock.now()) {
      offsetMs += run.dueAt - clock.now();
      engine.kick();
    }
    await sleep(10);
  }
  failures.push(...checkExpectations(testCase.expect, await outcomeOf(store, runId, clock.now()), flow.flow));
  for (const origin of offline.refused()) {
    failures.push(`the flow called ${origin}, which the test maps to nothing; tests run offline, so add it under hosts: (a sandbox or a recording)`);
  }
  for (const { file, server } of stands.replays) {
    for (const request of server.unmatched()) failures.push(`the recording ${file} has no response for ${request.method} ${request.path}`);
  }
}

interface Stands {
  urlOf(stand: Stand): string;
  sandboxOf(vendor: string): BuiltInSandbox;
  replays: Array<{ file: string; server: ReplayServer }>;
}

/** One sandbox per vendor and one replay server per recording, shared by everything in the case that names them. */
async function startStands(test: FlowTest, closers: Array<() => Promise<unknown> | void>): Promise<Stands> {
  const all = [...Object.values(test.env), ...Object.values(test.connections), ...Object.values(test.hosts)].filter((stand): stand is Stand => typeof stand !== 'string');
  const sandboxes = new Map<string, BuiltInSandbox>();
  const replays = new Map<string, ReplayServer>();
  for (const stand of all) {
    if (stand.kind === 'sandbox' && !sandboxes.has(stand.vendor)) {
      const sandbox = await builtInSandboxes[stand.vendor]!({ host: '127.0.0.1' });
      closers.push(() => sandbox.close());
      sandboxes.set(stand.vendor, sandbox);
    }
    if (stand.kind === 'replay' && !replays.has(stand.file)) {
      const server = await startReplayServer(stand.recording);
      closers.push(() => server.close());
      replays.set(stand.file, server);
    }
  }
  return {
    urlOf: (stand) => (stand.kind === 'sandbox' ? sandboxes.get(stand.vendor)!.url : replays.get(stand.file)!.url),
    sandboxOf: (vendor) => sandboxes.get(vendor)!,
    replays: [...replays].map(([file, server]) => ({ file, server })),
  };
}

async function addConnections(
  test: FlowTest,
  { store, vault, stands, routes, now }: { store: Store; vault: Vault; stands: Stands; routes: Map<string, string>; now: number },
): Promise<void> {
  const registry = createConnectorRegistry(builtInConnectors);
  for (const [id, stand] of Object.entries(test.connections)) {
    if (stand.kind === 'sandbox') {
      const sandbox = stands.sandboxOf(stand.vendor);
      await store.connections.put({ id, connectorId: stand.vendor, config: { ...sandbox.connectionConfig }, now });
      for (const [name, value] of Object.entries(sandbox.credentials)) await vault.put(id, name, value);
      if (sandbox.webhookSecret !== undefined) await vault.put(id, WEBHOOK_SECRET, sandbox.webhookSecret);
      continue;
    }
    const recorded = stand.recording.connections[id];
    if (recorded === undefined) {
      const known = Object.keys(stand.recording.connections);
      throw new CaseAborted(`the recording ${stand.file} has no connection '${id}' (it has ${known.length > 0 ? known.join(', ') : 'none'})`);
    }
    const connector = registry.get(recorded.connector);
    if (connector === undefined) throw new CaseAborted(`connection '${id}' was recorded with connector '${recorded.connector}', which this Weft does not have`);
    await store.connections.put({ id, connectorId: recorded.connector, config: recorded.config, now });
    const scheme = connector.auth.find((candidate) => candidate.kind === recorded.config.authScheme) ?? connector.auth[0];
    for (const name of scheme ? AUTH_SECRETS[scheme.kind].required : []) await vault.put(id, name, PLACEHOLDER_CREDENTIAL);
    await vault.put(id, WEBHOOK_SECRET, randomBytes(24).toString('hex'));
    const url = stands.urlOf(stand);
    // Calls through the connection go where they went when recorded: those origins now lead to the replay server.
    for (const call of stand.recording.calls) if (call.connection === id) routes.set(originOf(call.url), url);
    if (typeof recorded.config.baseUrl === 'string') routes.set(originOf(recorded.config.baseUrl), url);
  }
}

async function loadFlowUnderTest(test: FlowTest, environment: FlowTestEnvironment, stands: Stands, closers: Array<() => Promise<unknown> | void>): Promise<LoadedFlow> {
  const expressions = createExpressionEngine({ budgetMs: environment.config.mappingBudgetMs });
  closers.push(() => expressions.close());
  const env: Record<string, string | undefined> = { ...environment.env };
  for (const [name, value] of Object.entries(test.env)) env[name] = typeof value === 'string' ? value : stands.urlOf(value);
  const paths = test.flows ?? environment.config.flows;
  const { flows, diagnostics } = await loadFlows(paths, { engine: expressions, env });
  const flow = flows.find((candidate) => candidate.flow.id === test.flowId);
  if (flow) return flow;
  const problems = diagnostics.length > 0 ? `; the flows have problems:\n${diagnostics.map(formatDiagnostic).join('\n')}` : '';
  throw new CaseAborted(`no valid flow '${test.flowId}' in ${paths.join(', ')}${problems}`);
}

interface DeliveryParts {
  engine: Engine;
  clock: Clock;
  vault: Vault;
  connections: ConnectionRuntime;
  maxBodyBytes: number;
}

/** Commits the case's event as its trigger would: a webhook through the real ingress, signed; others straight to the engine. */
async function deliver(flow: LoadedFlow, input: PreparedInput, parts: DeliveryParts, closers: Array<() => Promise<unknown> | void>): Promise<string> {
  if (input.source !== 'webhook') {
    const outcome = await parts.engine.accept(flow, { source: input.source, headers: input.headers, query: input.query, body: input.body, dedupeKey: `test:${input.source}` });
    return outcome.runId;
  }
  const trigger = flow.flow.trigger;
  if (!('webhook' in trigger)) throw new CaseAborted(`the case sends a webhook, but flow '${flow.flow.id}' is not triggered by one (use manual: or poll: input)`);
  const connectorWebhook = createConnectorWebhooks(parts.connections, parts.vault);
  let signature: SignatureConfig | undefined;
  try {
    signature = (await connectorWebhook(flow))?.signature;
  } catch (error) {
    if (!(error instanceof ConnectionError)) throw error;
    throw new CaseAborted(`the webhook cannot be signed: ${error.message}`);
  }
  const declared = trigger.webhook.signature;
  if (signature === undefined && declared !== undefined) {
    if (flow.webhookSecret === undefined) throw new CaseAborted(`the flow's webhook signature has no secret (${declared.secret}); set it under env:`);
    signature = { ...declared, secret: flow.webhookSecret };
  }
  const app = await buildApp({ engine: parts.engine, clock: parts.clock, maxBodyBytes: parts.maxBodyBytes, connectorWebhook });
  closers.push(() => app.close());
  const query = new URLSearchParams(input.query).toString();
  // A recorded event's framing headers describe its first delivery, not this one.
  const headers = Object.fromEntries(Object.entries(input.headers).filter(([name]) => !FRAMING_HEADERS.has(name.toLowerCase())));
  const response = await app.inject({
    method: 'POST',
    url: `/hooks/${trigger.webhook.path}${query === '' ? '' : `?${query}`}`,
    headers: { 'content-type': 'application/json', ...headers, ...(signature ? signWebhook(signature, input.rawBody, parts.clock.now()) : {}) },
    payload: input.rawBody,
  });
  const answer = response.json() as { runId?: string; detail?: string; reason?: string; ignored?: boolean };
  if (response.statusCode !== 202 || answer.runId === undefined) {
    const why = answer.detail ?? answer.reason ?? response.body;
    throw new CaseAborted(`the webhook was not accepted: ${response.statusCode} ${why}`);
  }
  return answer.runId;
}

async function outcomeOf(store: Store, runId: string, now: number): Promise<RunOutcome> {
  const run = await store.getRun(runId);
  if (!run) throw new CaseAborted(`run ${runId} is missing from the store`);
  const [exception] = await store.listExceptions({ runId });
  const calls = await store.listCalls({ runId, limit: Number.MAX_SAFE_INTEGER, now });
  return {
    status: run.status,
    ...(exception ? { exception: { reason: exception.reason, message: exception.message, stepPath: exception.stepPath } } : {}),
    calls,
    outputs: new Map(run.checkpoints.map((checkpoint) => [checkpoint.path, checkpoint.output])),
  };
}
