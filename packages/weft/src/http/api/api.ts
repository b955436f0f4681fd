import { readFileSync } from 'node:fs';
import type { FastifyError, FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { InvalidCursorError } from '../../store/page-cursor.ts';
import { NotReplayableError, StoreUnavailableError, type ApiRole } from '../../store/store.ts';
import type { ApiContext } from './api-context.ts';
import { ApiProblem, sendApiProblem } from './api-problem.ts';
import { authorize } from './auth.ts';
import { auditRoutes } from './audit.ts';
import { callRoutes } from './calls.ts';
import { connectionRoutes } from './connections.ts';
import { eventRoutes } from './events.ts';
import { exceptionRoutes } from './exceptions.ts';
import { flowRoutes } from './flows.ts';
import { metricsSummaryRoutes } from './metrics-summary.ts';
import { openApiDocument, type ApiRoute } from './openapi.ts';
import { runRoutes } from './runs.ts';
import { sessionRoutes } from './session.ts';
import { streamRoutes } from './stream.ts';
import { tokenRoutes } from './tokens.ts';
import { xrefRoutes } from './xref.ts';

export const API_PREFIX = '/api/v1';

declare module 'fastify' {
  /** Documentation of a route, carried into the OpenAPI document. */
  interface FastifySchema {
    summary?: string;
    tags?: string[];
  }
  interface FastifyContextConfig {
    /** The least role that may call the route; every API route names one unless `public`. */
    role?: ApiRole;
    public?: boolean;
    /** EventSource cannot send headers: the token may come as ?access_token=. */
    queryToken?: boolean;
    /** Media type of a non-JSON answer, for the OpenAPI document. */
    produces?: string;
  }
}

const { version } = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };

const RESOURCES = [
  sessionRoutes,
  flowRoutes,
  runRoutes,
  eventRoutes,
  exceptionRoutes,
  callRoutes,
  connectionRoutes,
  xrefRoutes,
  tokenRoutes,
  auditRoutes,
  metricsSummaryRoutes,
  streamRoutes,
] as const;

export interface ManagementApiOptions {
  context: ApiContext;
  log?: Logger;
  /** Handed the OpenAPI document's builder once the routes are registered (npm run gen). */
  exposeDocument?: (document: () => Record<string, unknown>) => void;
}

/**
 * The management API, registered under /api/v1. Every route declares its role and gets the
 * `authorize` gate from here, so a route cannot be added without one; the same route table
 * produces the OpenAPI document.
 */
export async function managementApi(app: FastifyInstance, options: ManagementApiOptions): Promise<void> {
  const routes: ApiRoute[] = [];
  app.addHook('onRoute', (route) => {
    const config = route.config ?? {};
    if (!config.public) {
      if (config.role === undefined) throw new Error(`API route ${route.method} ${route.url} declares no role`);
      const gate = authorize(config.role, { allowQueryToken: config.queryToken === true });
      // onRequest, before the body is read and validated: without a token, the answer is 401 whatever was sent.
      const existing = route.onRequest === undefined ? [] : Array.isArray(route.onRequest) ? route.onRequest : [route.onRequest];
      route.onRequest = [gate, ...existing];
    }
    for (const method of Array.isArray(route.method) ? route.method : [route.method]) {
      routes.push({
        method,
        url: route.url.slice(API_PREFIX.length) || '/',
        schema: route.schema,
        role: config.public ? undefined : config.role,
        ...(config.produces === undefined ? {} : { produces: config.produces }),
      });
    }
  });

  // Action routes (enable, replay…) often get `content-type: application/json` with no body from
  // browsers' fetch: an empty body is no body, not an error.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, text, done) => {
    if ((text as string).trim() === '') return done(null, undefined);
    parseJson(request, text as string, done);
  });

  app.setErrorHandler((error: FastifyError, _request, reply) => {
    if (error instanceof ApiProblem) return sendApiProblem(reply, error.status, error.code, error.title, error.message);
    if (error.validation) return sendApiProblem(reply, 400, 'invalid-request', 'Bad request', error.message);
    if (error instanceof InvalidCursorError) return sendApiProblem(reply, 400, 'invalid-cursor', 'Bad cursor', error.message);
    if (error instanceof NotReplayableError) return sendApiProblem(reply, 409, 'not-open', 'The exception is not open', error.message);
    if (error instanceof StoreUnavailableError) return sendApiProblem(reply.header('retry-after', '1'), 503, 'store-unavailable', 'The store is unavailable', 'retry shortly');
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) return sendApiProblem(reply, status, 'bad-request', 'Bad request', error.message);
    options.log?.error({ err: error }, 'api.error');
    return sendApiProblem(reply, 500, 'internal', 'Internal error', 'the error was logged');
  });
  app.setNotFoundHandler((request, reply) => sendApiProblem(reply, 404, 'not-found', 'Not found', `${request.method} ${request.url}`));

  for (const resource of RESOURCES) await resource(app, options.context);

  const document = () => openApiDocument(routes, { version, prefix: API_PREFIX });
  options.exposeDocument?.(document);
  app.get('/openapi.json', { config: { role: 'viewer' }, schema: { summary: 'This document', tags: ['document'] }, handler: async () => document() });
}
