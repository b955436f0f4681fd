import type { FastifyInstance, preHandlerAsyncHookHandler } from 'fastify';
import type { WeftMetrics } from '../observability/metrics.ts';
import type { Store } from '../store/store.ts';
import { sendProblem } from './problem.ts';

export interface ObservabilityRoutesOptions {
  metrics: Pick<WeftMetrics, 'contentType' | 'render'>;
  store: Pick<Store, 'readiness'>;
  /** The management API's role check (http/api/auth.ts): /metrics needs a viewer token like every non-public route. */
  authorize: (role: 'viewer') => preHandlerAsyncHookHandler;
}

/**
 * GET /metrics (Prometheus text, viewer token), GET /healthz (the process answers) and
 * GET /readyz (the store answers and its schema is current: a load balancer sends traffic only then).
 */
export async function observabilityRoutes(app: FastifyInstance, options: ObservabilityRoutesOptions): Promise<void> {
  app.get('/metrics', { preHandler: options.authorize('viewer') }, async (_request, reply) => {
    const text = await options.metrics.render();
    return reply.type(options.metrics.contentType).send(text);
  });

  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    const readiness = (await options.store.readiness?.()) ?? { status: 'ready' };
    if (readiness.status === 'not-ready') return sendProblem(reply, 503, 'not-ready', 'Not ready', readiness.detail);
    return { status: 'ready' };
  });
}
