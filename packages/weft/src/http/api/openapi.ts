import type { RouteOptions } from 'fastify';
import type { ApiRole } from '../../store/store.ts';
import { ProblemSchema } from './api-problem.ts';

/** What the OpenAPI document needs of a route; collected by the API's onRoute hook. */
export interface ApiRoute {
  method: string;
  url: string;
  schema: RouteOptions['schema'];
  role: ApiRole | undefined;
  /** For routes that answer something other than JSON (the SSE stream). */
  produces?: string;
}

/** TypeBox schemas are JSON Schema 2020-12, which OpenAPI 3.1 uses as is; the symbols TypeBox adds are dropped. */
function plain(schema: unknown): Record<string, unknown> {
  return JSON.parse(JSON.stringify(schema)) as Record<string, unknown>;
}

function parametersOf(schema: unknown, where: 'path' | 'query') {
  if (schema === undefined) return [];
  const object = plain(schema) as { properties?: Record<string, Record<string, unknown>>; required?: string[] };
  return Object.entries(object.properties ?? {}).map(([name, property]) => {
    const { description, ...rest } = property;
    return {
      name,
      in: where,
      required: where === 'path' || (object.required ?? []).includes(name),
      ...(typeof description === 'string' ? { description } : {}),
      schema: rest,
    };
  });
}

const problemResponse = (description: string) => ({ description, content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } });

/**
 * OpenAPI 3.1 from the route table. Our own generator rather than @fastify/swagger: the routes
 * already carry JSON Schema 2020-12 (TypeBox), so the document is a re-arrangement of them, with
 * each route's role added as `x-weft-role` and its security.
 */
export function openApiDocument(routes: readonly ApiRoute[], options: { version: string; prefix: string }): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const sorted = [...routes].filter((route) => route.method !== 'HEAD').sort((a, b) => a.url.localeCompare(b.url) || a.method.localeCompare(b.method));
  for (const route of sorted) {
    const schema = (route.schema ?? {}) as Record<string, unknown> & { response?: Record<string, unknown> };
    const path = route.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    const responses: Record<string, unknown> = {};
    for (const [status, body] of Object.entries(schema.response ?? {})) {
      const json = plain(body);
      const isEmpty = json.type === 'null';
      responses[status] = {
        description: typeof json.description === 'string' ? json.description : status.startsWith('2') ? 'success' : 'answer',
        ...(isEmpty ? {} : { content: { [route.produces ?? 'application/json']: { schema: json } } }),
      };
    }
    if (route.produces !== undefined && Object.keys(responses).length === 0) {
      responses['200'] = { description: 'a stream', content: { [route.produces]: { schema: { type: 'string' } } } };
    }
    responses['400'] = problemResponse('invalid request');
    if (route.role !== undefined) {
      responses['401'] = problemResponse('no valid token');
      responses['403'] = problemResponse(`the token's role is below ${route.role}`);
    }
    responses.default = problemResponse('an error');
    const operation: Record<string, unknown> = {
      operationId: `${route.method.toLowerCase()}${path.replace(/\{([^}]+)\}/g, 'By-$1').replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase())}`,
      ...(typeof schema.summary === 'string' ? { summary: schema.summary } : {}),
      ...(typeof schema.description === 'string' ? { description: schema.description } : {}),
      ...(Array.isArray(schema.tags) ? { tags: schema.tags } : {}),
      parameters: [...parametersOf(schema.params, 'path'), ...parametersOf(schema.querystring, 'query')],
      ...(schema.body === undefined ? {} : { requestBody: { required: true, content: { 'application/json': { schema: plain(schema.body) } } } }),
      responses,
      security: route.role === undefined ? [] : [{ bearer: [] }],
      ...(route.role === undefined ? {} : { 'x-weft-role': route.role }),
    };
    (paths[path] ??= {})[route.method.toLowerCase()] = operation;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Weft management API',
      version: options.version,
      description:
        'Operate a Weft engine: flows, runs, events, exceptions, calls, connections, tokens, audit. Every route needs `Authorization: Bearer <token>` ' +
        'except POST /session; roles: viewer (reads) < operator (replay, discard, manual runs) < admin (flows, connections, tokens). ' +
        'Errors are application/problem+json with a stable `code`. Lists are cursor-paginated: pass `nextCursor` back as `cursor`. Times are epoch milliseconds.',
    },
    servers: [{ url: options.prefix }],
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'an API token (weft tokens create) or an admin session token (POST /session)' } },
      schemas: { Problem: plain(ProblemSchema) },
    },
  };
}
