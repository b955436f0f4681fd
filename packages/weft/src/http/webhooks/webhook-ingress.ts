import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Clock } from '../../core/clock.ts';
import { DedupeKeyMissingError, type Engine } from '../../engine/engine.ts';
import type { LoadedFlow } from '../../flows/load-flow.ts';
import { StoreUnavailableError } from '../../store/store.ts';
import { ExpressionError } from '../../transforms/expression.ts';
import { sendProblem } from '../problem.ts';
import { secretHeaderOf, verifyWebhookSignature } from './signatures.ts';
import { webhookUrl } from './webhook-url.ts';
import { readBody } from './read-body.ts';
import { ConnectionError } from '../../connectors/connection-runtime.ts';
import { VaultError } from '../../connectors/vault/master-key.ts';
import { keyText } from '../../core/ids.ts';
import { createLogThrottle } from '../../core/log-throttle.ts';
import type { ConnectorWebhook, WebhookMisfit } from '../../connectors/connector-webhooks.ts';

/** Headers that carry credentials: never stored with the event. */
const UNSTORED_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie']);
/**
 * Deeper bodies get 400. No vendor's event nests anywhere near this, and a body nested a few
 * thousand levels (10 KB of brackets) would overflow the stack of whatever walks it next —
 * the dedupe key, the mapping, the store's serialisation.
 */
const MAX_BODY_DEPTH = 100;
/** JSON is UTF-8 (RFC 8259): invalid bytes are an error, not U+FFFD, which would make different deliveries equal. */
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export interface WebhookIngressOptions {
  engine: Engine;
  clock: Clock;
  /** The body limit of a flow that sets no `maxBodyBytes` of its own. */
  maxBodyBytes: number;
  /** For webhooks that name a connection: the connector trigger's verification and dedupe. */
  connectorWebhook(flow: LoadedFlow): Promise<ConnectorWebhook | undefined>;
  /** A disabled flow on this path (the engine only holds enabled ones): answered 503 so the sender retries later. */
  disabledFlowAt?: (path: string) => LoadedFlow | undefined;
  /** Where refused deliveries are reported (a store that cannot commit, an unreadable secret, an event that does not fit its trigger). */
  log?: Pick<Logger, 'warn'>;
}

/** A store outage (or a master key that opens no secret) refuses every delivery: one log line per this interval says so, with the count. */
const REFUSAL_LOG_INTERVAL_MS = 10_000;
/** A disabled flow or an unconfigured webhook waits for an admin: minutes, not the moment a store outage takes. */
const ADMIN_RETRY_AFTER_SECONDS = '60';

/**
 * POST /hooks/<path>: verify the signature on the raw body, parse, commit, then answer.
 * 202 = accepted and committed; 200 = a repeat of a delivery already committed.
 */
export async function webhookIngress(app: FastifyInstance, options: WebhookIngressOptions): Promise<void> {
  const { engine, clock } = options;
  const refusals = createLogThrottle(clock, REFUSAL_LOG_INTERVAL_MS);
  const unreadableSecrets = createLogThrottle(clock, REFUSAL_LOG_INTERVAL_MS);
  const limitOf = (flow: LoadedFlow | undefined): number => (flow && webhookOf(flow).maxBodyBytes) ?? options.maxBodyBytes;
  // Signatures are over the exact bytes received, so no parser may touch the body first. Nothing
  // past the called flow's own limit is read, with the flows as they are now (`weft dev` reloads).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (request, payload, done) => {
    readBody(payload, limitOf(findFlow(engine, hookPathOf(request))), request.headers['content-length']).then(
      (body) => done(null, body),
      (error: Error) => done(error, undefined),
    );
  });
  // An empty Content-Type is a sender saying nothing: parsed as if the header were absent, not refused with 415.
  app.addHook('onRequest', (request, _reply, done) => {
    if (request.headers['content-type']?.trim() === '') delete request.headers['content-type'];
    done();
  });
  // Bodies over the called flow's limit are refused while reading (before, when Content-Length says so).
  app.setErrorHandler((error: { statusCode?: number }, request, reply) => {
    if (error.statusCode !== 413) throw error;
    return sendProblem(reply, 413, 'body-too-large', 'Payload too large', `the limit is ${limitOf(findFlow(engine, hookPathOf(request)))} bytes`);
  });

  const refuseForStore = (reply: FastifyReply, error: StoreUnavailableError) => {
    const refused = refusals.occurred();
    if (refused !== undefined) options.log?.warn({ err: error, refused }, 'webhook.refused_store_unavailable');
    reply.header('retry-after', '1');
    return sendProblem(reply, 503, 'store-unavailable', 'Not accepted: the store cannot commit right now', 'retry shortly');
  };

  app.post('/hooks/*', async (request, reply) => {
    const path = hookPathOf(request);
    const flow = findFlow(engine, path);
    if (!flow && options.disabledFlowAt?.(path)) {
      reply.header('retry-after', ADMIN_RETRY_AFTER_SECONDS);
      return sendProblem(reply, 503, 'flow-disabled', 'The flow is disabled', `the flow on '${path}' was disabled by an admin`);
    }
    if (!flow) return sendProblem(reply, 404, 'unknown-hook', 'No flow listens here', `no flow has the webhook path '${path}'`);
    const rawBody = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);

    let vendor: ConnectorWebhook | undefined;
    try {
      vendor = await options.connectorWebhook(flow);
    } catch (error) {
      if (error instanceof StoreUnavailableError) return refuseForStore(reply, error);
      // A configuration problem on our side: the vendor should deliver again once it is fixed.
      if (error instanceof ConnectionError) {
        reply.header('retry-after', ADMIN_RETRY_AFTER_SECONDS);
        return sendProblem(reply, 503, 'webhook-not-ready', 'This webhook is not configured yet', error.message);
      }
      if (error instanceof VaultError) {
        // Its message names key ids and variables: for the log, not for whoever calls the hook.
        const refused = unreadableSecrets.occurred();
        if (refused !== undefined) options.log?.warn({ err: error, flowId: flow.flow.id, refused }, 'webhook.secret_unreadable');
        reply.header('retry-after', ADMIN_RETRY_AFTER_SECONDS);
        return sendProblem(reply, 503, 'webhook-not-ready', 'This webhook is not configured yet', "the connection's webhook secret cannot be read");
      }
      throw error;
    }
    const declared = 'webhook' in flow.flow.trigger ? flow.flow.trigger.webhook.signature : undefined;
    const signature = vendor?.signature ?? (declared && flow.webhookSecret !== undefined ? { ...declared, secret: flow.webhookSecret } : undefined);
    // Fail closed: a flow that asks for signatures but has no secret accepts nothing.
    if (declared && !signature) return sendProblem(reply, 401, 'invalid-signature', 'Signature verification failed', 'no secret is configured');
    if (signature) {
      const verdict = verifyWebhookSignature(signature, { rawBody, headers: request.headers, url: webhookUrl(request) }, clock.now());
      if (!verdict.ok) return sendProblem(reply, 401, 'invalid-signature', 'Signature verification failed', verdict.problem);
    }

    let body: unknown;
    try {
      body = parseBody(request, rawBody);
    } catch (error) {
      return sendProblem(reply, 400, 'malformed-body', 'Malformed body', (error as Error).message);
    }
    const secretHeader = signature && secretHeaderOf(signature);
    const headers = storableHeaders(request.headers, secretHeader);
    // Vendors send every subscribed event type to one endpoint and retry a non-2xx: others are acknowledged, not run.
    const ignored = vendor?.ignores(headers, body);
    if (ignored !== undefined) return reply.code(200).send({ ignored: true, reason: ignored });
    // The right topic, but not the event the flow's steps were written for: committed and parked
    // for a person rather than run, or dropped; the warning never holds the body (personal data).
    const misfit = vendor?.misfit(headers, body);
    if (misfit !== undefined) {
      options.log?.warn({ flowId: flow.flow.id, trigger: misfit.trigger, topic: misfit.topic, schemaError: misfit.firstError }, 'webhook.event_shape_mismatch');
    }
    const vendorId = vendor?.dedupeId(headers, body);

    try {
      const outcome = await engine.accept(flow, {
        source: 'webhook',
        headers,
        query: request.query as Record<string, string>,
        body,
        rawBody,
        ...(vendorId === undefined ? {} : { dedupeKey: `vendor:${keyText(vendorId)}` }),
        ...(misfit === undefined ? {} : { refused: misfitSentence(misfit) }),
      });
      const duplicate = outcome.status === 'duplicate';
      return reply.code(duplicate ? 200 : 202).send({ eventId: outcome.eventId, runId: outcome.runId, duplicate });
    } catch (error) {
      if (error instanceof StoreUnavailableError) return refuseForStore(reply, error);
      if (error instanceof DedupeKeyMissingError || error instanceof ExpressionError) {
        return sendProblem(reply, 422, 'unprocessable-event', 'The event cannot be identified', error.message);
      }
      throw error;
    }
  });
}

function hookPathOf(request: FastifyRequest): string {
  return (request.params as { '*': string })['*'].replace(/\/+$/, '');
}

function webhookOf(flow: LoadedFlow): { maxBodyBytes?: number } {
  return 'webhook' in flow.flow.trigger ? flow.flow.trigger.webhook : {};
}

function findFlow(engine: Engine, path: string): LoadedFlow | undefined {
  for (const flow of engine.flows().values()) {
    if ('webhook' in flow.flow.trigger && flow.flow.trigger.webhook.path === path) return flow;
  }
  return undefined;
}

function parseBody(request: FastifyRequest, raw: Buffer): unknown {
  if (raw.length === 0) return null;
  const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  const isForm = type === 'application/x-www-form-urlencoded';
  const isJson = type === 'application/json' || type.endsWith('+json') || type === '';
  // Other types are kept as text for the flow to read; only the structured ones must be exact.
  if (!isForm && !isJson) return raw.toString('utf8');
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch {
    throw new Error('the body is not valid UTF-8');
  }
  if (isForm) return Object.fromEntries(new URLSearchParams(text));
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new Error(`the body is not valid JSON: ${(error as Error).message}`);
  }
  if (isDeeperThan(body, MAX_BODY_DEPTH)) throw new Error(`the body nests deeper than ${MAX_BODY_DEPTH} levels`);
  return body;
}

/** Iterative, so it cannot overflow the stack it protects. */
function isDeeperThan(value: unknown, limit: number): boolean {
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const { value: current, depth } = stack.pop()!;
    if (current === null || typeof current !== 'object') continue;
    if (depth >= limit) return true;
    for (const child of Object.values(current)) if (child !== null && typeof child === 'object') stack.push({ value: child, depth: depth + 1 });
  }
  return false;
}

function storableHeaders(headers: FastifyRequest['headers'], secretHeader: string | undefined): Record<string, string> {
  const stored: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || UNSTORED_HEADERS.has(name) || name === secretHeader) continue;
    stored[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return stored;
}

/** The exception's sentence for an event of the right topic and the wrong shape. */
function misfitSentence(misfit: WebhookMisfit): string {
  const topic = misfit.topic === undefined ? 'event' : `${misfit.topic} event`;
  return `The ${topic} does not match the shape the flow's trigger ${misfit.trigger} declares (${misfit.firstError}), so it was not run: the vendor's API version may have changed. Fix the connector or the flow, then replay it (with an edited input if the data itself is wrong).`;
}
