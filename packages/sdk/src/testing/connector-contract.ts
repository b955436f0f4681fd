import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import type { TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';
import type { Connector } from '../define-connector.ts';
import { AuthError, NotFoundError, RateLimitedError, RetryableError } from '../errors.ts';
import { authFromCredentials, createTestHttpClient, type TestHttpClient } from './fetch-http-client.ts';
import { rejection } from './rejection.ts';
import { runAction } from './run-action.ts';
import type { RunningSandbox } from './sandbox.ts';
import { verifyWebhookSignature } from './webhook-signature.ts';
import { deliveryTopic } from '../webhook-topic.ts';
import { startWebhookReceiver, type WebhookReceiver } from './webhook-receiver.ts';

/**
 * The suite every connector runs against its sandbox. It checks what the engine relies on and
 * the connector's own unit tests tend to skip: requests the vendor accepts, outputs that fit
 * their schemas, errors in the right classes, pagination that reaches the last page, and
 * webhooks that verify and dedupe.
 */

export interface ConnectionSample {
  config: Record<string, unknown>;
  /** As the test client reads them: token, username/password (basic, or a token login), apiKey or accessToken. */
  credentials: Record<string, string>;
}

export interface ActionSample {
  input: unknown;
  /** Extra checks on the output, e.g. that every seeded record came back. */
  expect?(output: unknown): void | Promise<void>;
  /** How many requests the action must make (pages, for a paginated list). */
  requests?: number;
}

export interface TriggerSample {
  /**
   * The vendor event type the sandbox builds and sends, e.g. `payment_intent.succeeded`. When the
   * trigger declares a topic, the delivery must name one of its values, or the engine would
   * acknowledge it without running.
   */
  type: string;
}

/** A running sandbox plus the secret it signs webhooks with, when the connector has webhook triggers. */
export type ContractSandbox = RunningSandbox & { webhookSecret?: string };

export type ContractHttpClientFactory = (setup: {
  baseUrl: string;
  connection: ConnectionSample;
  connector: Connector;
  timeoutMs?: number;
}) => TestHttpClient;

export interface ConnectorContractOptions {
  connector: Connector;
  startSandbox(): Promise<ContractSandbox>;
  /** A function when the config must point at the sandbox (`{ baseUrl: sandbox.url }`). */
  connection: ConnectionSample | ((sandbox: ContractSandbox) => ConnectionSample);
  /** One per action: every action is exercised. */
  samples: Record<string, ActionSample>;
  /** One per webhook trigger. */
  triggers?: Record<string, TriggerSample>;
  /** The action the error-mapping tests call; default the first action. */
  probeAction?: string;
  /** Default createTestHttpClient with static auth; the engine can pass its own client here. */
  httpClient?: ContractHttpClientFactory;
  /** The HTTP status the vendor answers wrong credentials with. Default 401; SOAP 1.1 services send their login fault with 500. */
  authFailureStatus?: number;
}

const HANG_TIMEOUT_MS = 300;

export function connectorContract(options: ConnectorContractOptions): void {
  const { connector, samples } = options;
  const triggerSamples = options.triggers ?? {};
  const makeClient = options.httpClient ?? defaultClient;
  const probeId = options.probeAction ?? connector.actions[0]?.id;

  describe(`connector contract: ${connector.id}`, () => {
    let sandbox: ContractSandbox;
    let connection: ConnectionSample;
    let baseUrl: string;
    let http: TestHttpClient;

    before(async () => {
      sandbox = await options.startSandbox();
      connection = typeof options.connection === 'function' ? options.connection(sandbox) : options.connection;
      baseUrl = resolveBaseUrl(connector, connection, sandbox);
      http = makeClient({ baseUrl, connection, connector });
    });
    after(() => sandbox.close());
    afterEach(() => sandbox.reset());

    const run = (actionId: string, client: TestHttpClient = http) => {
      const action = connector.actions.find((candidate) => candidate.id === actionId);
      const sample = samples[actionId];
      assert.ok(action !== undefined && sample !== undefined, `no action or sample "${actionId}"`);
      return runAction(action, sample.input, { http: client, connection: { id: 'contract', config: connection.config } });
    };

    describe('definition', () => {
      it('has schemas that compile, for every action, trigger and the connection config', () => {
        const schemas: [string, TSchema][] = [];
        if (connector.config !== undefined) schemas.push(['config', connector.config]);
        for (const action of connector.actions) schemas.push([`${action.id} input`, action.input], [`${action.id} output`, action.output]);
        for (const trigger of connector.triggers) schemas.push([`${trigger.id} output`, trigger.output]);
        for (const [name, schema] of schemas) {
          assert.doesNotThrow(() => TypeCompiler.Compile(schema), `${name} schema does not compile`);
          // Docs, editors and the console read the schema as JSON.
          assert.doesNotThrow(() => JSON.stringify(schema), `${name} schema is not JSON`);
        }
      });

      it('accepts the sample connection: its config fits the config schema and gives an http(s) base URL', () => {
        if (connector.config !== undefined) assertFits(connector.config, connection.config, 'the sample connection config');
        assert.match(baseUrl, /^https?:\/\//);
      });

      it('has a sample for every action and every webhook trigger, and none for anything else', () => {
        const actionIds = connector.actions.map((action) => action.id).sort();
        assert.deepEqual(Object.keys(samples).sort(), actionIds, 'samples must name exactly the connector\'s actions');
        const webhookIds = connector.triggers.filter((trigger) => trigger.strategy === 'webhook').map((trigger) => trigger.id).sort();
        assert.deepEqual(Object.keys(triggerSamples).sort(), webhookIds, 'triggers must name exactly the connector\'s webhook triggers');
        for (const action of connector.actions) assertFits(action.input, samples[action.id]?.input, `the sample input of ${action.id}`);
      });

      it('builds declarative requests as data: the same input gives the same request', () => {
        for (const action of connector.actions) {
          if (action.kind !== 'declarative') continue;
          const input = samples[action.id]?.input as never;
          assert.deepEqual(action.request(input), action.request(input), `${action.id} request() is not a pure function of its input`);
        }
      });
    });

    describe('actions against the sandbox', () => {
      for (const action of connector.actions) {
        it(`${action.id}: the sandbox accepts the request and the output fits the output schema`, async () => {
          const sample = samples[action.id];
          assert.ok(sample !== undefined, `no sample for ${action.id}`);
          const before = sandbox.requests().length;
          const output = await run(action.id);
          assertFits(action.output, output, `the output of ${action.id}`);
          const made = sandbox.requests().slice(before);
          if (sample.requests !== undefined) assert.equal(made.length, sample.requests, `${action.id} made ${made.length} requests`);
          if (action.kind === 'declarative' && action.pagination !== undefined) {
            assert.ok(made.length > 1, `${action.id} paginates but fetched one page; seed the sandbox with more than one page`);
          }
          await sample.expect?.(output);
        });
      }
    });

    describe('errors, from the sandbox\'s fault injection', () => {
      it('429 becomes a RateLimitedError carrying Retry-After', async () => {
        sandbox.faults.set({ rateLimit: { count: 1, retryAfterSeconds: 7 } });
        const error = await rejection(run(probe()));
        assert.ok(error instanceof RateLimitedError, describeError(error));
        assert.equal(error.retryAfterMs, 7000);
      });

      it('5xx becomes a RetryableError', async () => {
        for (const status of [500, 503]) {
          sandbox.faults.set({ failNext: { count: 1, status } });
          const error = await rejection(run(probe()));
          assert.ok(error instanceof RetryableError && !(error instanceof RateLimitedError), describeError(error));
          assert.equal(error.status, status);
        }
      });

      it(`wrong credentials get a ${options.authFailureStatus ?? 401}, which becomes an AuthError`, async () => {
        const wrong = Object.fromEntries(Object.entries(connection.credentials).map(([name, value]) => [name, `${value}-wrong`]));
        assert.ok(Object.keys(wrong).length > 0, 'the sample connection has no credentials to spoil');
        const client = makeClient({ baseUrl, connection: { ...connection, credentials: wrong }, connector });
        const error = await rejection(run(probe(), client));
        assert.ok(error instanceof AuthError, describeError(error));
        assert.equal(error.status, options.authFailureStatus ?? 401);
      });

      it('404 becomes a NotFoundError', async () => {
        sandbox.faults.set({ failNext: { count: 1, status: 404 } });
        const error = await rejection(run(probe()));
        assert.ok(error instanceof NotFoundError, describeError(error));
      });

      it('a request that is never answered becomes a retryable timeout', async () => {
        sandbox.faults.set({ hangOnce: true });
        const client = makeClient({ baseUrl, connection, connector, timeoutMs: HANG_TIMEOUT_MS });
        const error = await rejection(run(probe(), client));
        assert.ok(error instanceof RetryableError, describeError(error));
        assert.equal(error.reason, 'timeout');
      });

      it('a body that trickles in slowly still arrives whole', async () => {
        sandbox.faults.set({ slowBodyMs: 100 });
        const action = connector.actions.find((candidate) => candidate.id === probe());
        assertFits(action!.output, await run(probe()), `the output of ${probe()} with a slow body`);
      });
    });

    const webhookTriggers = connector.triggers.filter((trigger) => trigger.strategy === 'webhook');
    if (webhookTriggers.length > 0) {
      describe('webhook triggers', () => {
        let receiver: WebhookReceiver;
        before(async () => {
          receiver = await startWebhookReceiver();
        });
        after(() => receiver.close());
        afterEach(() => receiver.clear());

        for (const trigger of webhookTriggers) {
          const spec = trigger.webhook!;
          const sample = (): TriggerSample => {
            const found = triggerSamples[trigger.id];
            assert.ok(found !== undefined, `no trigger sample for ${trigger.id}`);
            return found;
          };
          const secret = (): string => {
            assert.ok(sandbox.webhookSecret !== undefined, 'startSandbox must return webhookSecret for a connector with webhook triggers');
            return sandbox.webhookSecret;
          };

          it(`${trigger.id}: a sandbox-signed delivery verifies with the ${spec.signature.scheme} scheme, fits the output schema${spec.topic === undefined ? '' : ' and the topic'} and keeps its dedupe id when duplicated`, async () => {
            await sandbox.webhooks.emit({ url: receiver.url, type: sample().type, duplicate: true });
            assert.equal(receiver.received.length, 2);
            const ids = receiver.received.map((delivery) => {
              const verified = verifyWebhookSignature({ signature: spec.signature, secret: secret(), ...delivery, nowMs: Date.now() });
              assert.deepEqual(verified, { ok: true });
              const body = parseDeliveryBody(delivery);
              assertFits(trigger.output, body, `the ${trigger.id} event`);
              if (spec.topic !== undefined) {
                const named = deliveryTopic(spec.topic, delivery.headers, body);
                assert.ok(named !== undefined && spec.topic.values.includes(named), `${trigger.id} takes ${spec.topic.values.join(', ')}; the delivery names ${named ?? 'no topic'}`);
              }
              return spec.dedupeId(delivery.headers, body);
            });
            assert.ok(ids[0] !== undefined && ids[0] !== '', `${trigger.id} dedupeId gave no id`);
            assert.equal(ids[1], ids[0], 'a duplicate delivery must have the same dedupe id');
          });

          it(`${trigger.id}: a delivery signed with another secret does not verify`, async () => {
            await sandbox.webhooks.emit({ url: receiver.url, type: sample().type });
            const [delivery] = receiver.received;
            assert.ok(delivery !== undefined);
            const verified = verifyWebhookSignature({ signature: spec.signature, secret: `${secret()}x`, ...delivery, nowMs: Date.now() });
            assert.equal(verified.ok, false);
          });

          it(`${trigger.id}: events delivered out of order keep distinct dedupe ids`, async () => {
            await sandbox.webhooks.emit({ url: receiver.url, type: sample().type, count: 3, outOfOrder: true });
            const ids = receiver.received.map((delivery) => spec.dedupeId(delivery.headers, parseDeliveryBody(delivery)));
            assert.equal(new Set(ids).size, 3, `dedupe ids ${ids.join(', ')}`);
          });
        }
      });
    }
  });

  function probe(): string {
    assert.ok(probeId !== undefined && samples[probeId] !== undefined, `the probe action "${probeId}" has no sample`);
    return probeId;
  }
}

function defaultClient(setup: Parameters<ContractHttpClientFactory>[0]): TestHttpClient {
  const auth = authFromCredentials(setup.connector.auth, setup.connection.credentials);
  return createTestHttpClient({
    baseUrl: setup.baseUrl,
    headers: auth.headers,
    query: auth.query,
    ...(auth.tokenLogin === undefined ? {} : { tokenLogin: auth.tokenLogin }),
    ...(setup.timeoutMs === undefined ? {} : { timeoutMs: setup.timeoutMs }),
  });
}

/** A static base URL keeps its path but moves to the sandbox's origin: the sandbox stands in for the vendor's host. */
function resolveBaseUrl(connector: Connector, connection: ConnectionSample, sandbox: ContractSandbox): string {
  if (typeof connector.baseUrl === 'function') return connector.baseUrl(connection.config);
  const { pathname } = new URL(connector.baseUrl);
  return sandbox.url + pathname.replace(/\/+$/, '');
}

function assertFits(schema: TSchema, value: unknown, what: string): void {
  if (Value.Check(schema, value)) return;
  const problems = [...Value.Errors(schema, value)].slice(0, 5).map((error) => `${error.path || '/'}: ${error.message}`);
  assert.fail(`${what} does not fit its schema:\n  ${problems.join('\n  ')}`);
}

function describeError(error: unknown): string {
  return error instanceof Error ? `got ${error.name}: ${error.message}` : `got ${String(error)}`;
}

/** As the engine's webhook ingress reads a body: a form becomes one string field per parameter, anything else JSON. */
function parseDeliveryBody(delivery: { rawBody: string; headers: Record<string, string> }): unknown {
  const type = (delivery.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  return type === 'application/x-www-form-urlencoded' ? Object.fromEntries(new URLSearchParams(delivery.rawBody)) : (JSON.parse(delivery.rawBody) as unknown);
}

