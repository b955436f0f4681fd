import type { Socket } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Clock } from '../core/clock.ts';
import type { Engine } from '../engine/engine.ts';
import { API_PREFIX, managementApi, type ManagementApiOptions } from './api/api.ts';
import { installApiAuth } from './api/auth.ts';
import { consoleStatic } from './console-static.ts';
import { observabilityRoutes, type ObservabilityRoutesOptions } from './observability-routes.ts';
import { sendProblem } from './problem.ts';
import { webhookIngress, type WebhookIngressOptions } from './webhooks/webhook-ingress.ts';

export interface AppOptions {
  engine: Engine;
  clock: Clock;
  /** The body limit of the API and of a webhook whose flow sets none. */
  maxBodyBytes: number;
  connectorWebhook: WebhookIngressOptions['connectorWebhook'];
  /** Where an unexpected error (a 500) is logged. */
  log?: Logger;
  /** /metrics, /healthz and /readyz. */
  observability?: ObservabilityRoutesOptions;
  /** The management API under /api/v1; also installs the token check `authorize` needs on any route. */
  api?: ManagementApiOptions;
}

/** The HTTP surface: webhook ingress under /hooks, health, and problem+json for every error. */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    bodyLimit: options.maxBodyBytes,
    forceCloseConnections: 'idle',
    // Requests Fastify cannot route (a URL that does not decode) get problem+json like any other error.
    frameworkErrors: (error, _request, reply) => sendProblem(reply, 400, 'bad-request', 'Bad request', error.message),
    clientErrorHandler: answerClientError,
  });

  app.setErrorHandler((error: { statusCode?: number; code?: string; message: string }, _request, reply) => {
    const status = error.statusCode ?? 500;
    if (status === 413) return sendProblem(reply, 413, 'body-too-large', 'Payload too large', `the limit is ${options.maxBodyBytes} bytes`);
    if (status === 415) return sendProblem(reply, 415, 'unsupported-media-type', 'Unsupported media type', error.message);
    if (status >= 400 && status < 500) return sendProblem(reply, status, 'bad-request', 'Bad request', error.message);
    options.log?.error({ err: error }, 'http.error');
    return sendProblem(reply, 500, 'internal', 'Internal error', 'the error was logged');
  });
  app.setNotFoundHandler((request, reply) => sendProblem(reply, 404, 'not-found', 'Not found', `${request.method} ${request.url}`));
  // A request still in flight when the server closes (a webhook waiting for its commit) is
  // answered, and its connection then closed: `forceCloseConnections: 'idle'` closed only the
  // connections idle when closing began, and a kept-alive one would hold the shutdown for the
  // keep-alive timeout (72 s), past shutdownTimeoutMs.
  app.addHook('onSend', async (request, reply) => {
    if (!request.server.server.listening) reply.header('connection', 'close');
  });

  app.get('/health', async () => ({ status: 'ok', flows: options.engine.flows().size }));
  const api = options.api;
  if (api) installApiAuth(app, { tokens: api.context.store.tokens, adminAudit: api.context.store.adminAudit, clock: options.clock });
  if (options.observability) await app.register(observabilityRoutes, options.observability);
  await app.register(webhookIngress, {
    engine: options.engine,
    clock: options.clock,
    maxBodyBytes: options.maxBodyBytes,
    connectorWebhook: options.connectorWebhook,
    ...(options.log ? { log: options.log } : {}),
    ...(api ? { disabledFlowAt: api.context.flows.disabledAt } : {}),
  });
  if (api) await app.register(managementApi, { prefix: API_PREFIX, ...api });
  // The console's files and its client-side routes: every GET no other route claims.
  await app.register(consoleStatic, {});
  return app;
}

/** The parser's errors that have a status of their own; any other is a 400. */
const CLIENT_ERRORS: Record<string, [status: number, slug: string, title: string]> = {
  'HPE_HEADER_OVERFLOW': [431, 'headers-too-large', 'Request header fields too large'],
  'ERR_HTTP_REQUEST_TIMEOUT': [408, 'request-timeout', 'Request timeout'],
};

/**
 * A request node's HTTP parser rejects before any route sees it (a malformed Content-Length or
 * chunk, headers over the size limit): answered as problem+json too, then the connection closes,
 * since the parser cannot tell where the next request would start.
 */
function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const [status, slug, title] = CLIENT_ERRORS[error.code ?? ''] ?? [400, 'bad-request', 'Bad request'];
  const body = JSON.stringify({ type: `https://weft.dev/problems/${slug}`, title, status, detail: 'the request could not be parsed as HTTP' });
  socket.end(
    `HTTP/1.1 ${status} ${title}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
