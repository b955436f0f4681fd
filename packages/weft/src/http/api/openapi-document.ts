import Fastify from 'fastify';
import type { ApiContext } from './api-context.ts';
import { API_PREFIX, managementApi } from './api.ts';

/**
 * The OpenAPI document without a running engine (npm run gen writes it to
 * docs/reference/openapi.json): the routes are registered on a bare app and never called, so
 * their context is never touched.
 */
export async function buildOpenApiDocument(): Promise<Record<string, unknown>> {
  const app = Fastify({ logger: false });
  let document: (() => Record<string, unknown>) | undefined;
  await app.register(managementApi, { prefix: API_PREFIX, context: {} as ApiContext, exposeDocument: (build) => (document = build) });
  await app.ready();
  await app.close();
  if (document === undefined) throw new Error('the management API registered no document');
  return document();
}

export async function openApiJson(): Promise<string> {
  return JSON.stringify(await buildOpenApiDocument(), null, 2) + '\n';
}
