import Fastify, { type FastifyInstance } from 'fastify';
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
  maxBodyBytes: number;
  connectorWebhook: WebhookIngressOptions['connectorWebhook'];
  /** /metrics, /healthz and /readyz. */
  observability?: ObservabilityRoutesOptions;
  /** The management API under /api/v1; also installs the token check `authorize` needs on any route. */
  api?: ManagementApiOptions;
}

/** The HTTP surface: webhook ingress under /hooks, health, and problem+json for every error. */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, bodyLimit: options.maxBodyBytes, forceCloseConnections: 'idle' });

  app.setErrorHandler((error: { statusCode?: number; code?: string; message: string }, _request, reply) => {
    const status = error.statusCode ?? 500;
    if (status === 413) return sendProblem(reply, 413, 'body-too-large', 'Payload too large', `the limit is ${options.maxBodyBytes} bytes`);
    if (status >= 400 && status < 500) return sendProblem(reply, status, 'bad-request', 'Bad request', error.message);
    return sendProblem(reply, 500, 'internal', 'Internal error', 'the error was logged');
  });
  app.setNotFoundHandler((request, reply) => sendProblem(reply, 404, 'not-found', 'Not found', `${request.method} ${request.url}`));

  app.get('/health', async () => ({ status: 'ok', flows: options.engine.flows().size }));
  const api = options.api;
  if (api) installApiAuth(app, { tokens: api.context.store.tokens, adminAudit: api.context.store.adminAudit, clock: options.clock });
  if (options.observability) await app.register(observabilityRoutes, options.observability);
  await app.register(webhookIngress, {
    engine: options.engine,
    clock: options.clock,
    maxBodyBytes: options.maxBodyBytes,
    connectorWebhook: options.connectorWebhook,
    ...(api ? { disabledFlowAt: api.context.flows.disabledAt } : {}),
  });
  if (api) await app.register(managementApi, { prefix: API_PREFIX, ...api });
  // The console's files and its client-side routes: every GET no other route claims.
  await app.register(consoleStatic, {});
  return app;
}
