import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { isCredentialName, REDACTED } from '../../engine/redact.ts';
import type { LoadedFlow } from '../../flows/load-flow.ts';
import type { ApiContext } from './api-context.ts';
import { notFound } from './api-problem.ts';
import { IdParams } from './schemas.ts';

const Counts = Type.Object({
  queued: Type.Integer(),
  running: Type.Integer(),
  waiting: Type.Integer(),
  completed: Type.Integer(),
  exception: Type.Integer(),
});
const FlowSummary = Type.Object({
  id: Type.String(),
  name: Type.Optional(Type.String({ description: "the flow's description" })),
  trigger: Type.Union(['webhook', 'schedule', 'manual', 'poll', 'exception'].map((t) => Type.Literal(t))),
  path: Type.Optional(Type.String({ description: 'webhook flows: served at /hooks/<path>' })),
  enabled: Type.Boolean(),
  steps: Type.Integer({ description: 'top-level steps' }),
  counts: Counts,
});
const FlowDetail = Type.Intersect([FlowSummary, Type.Object({ definition: Type.Unknown({ description: 'the parsed flow; secret-looking literals are redacted' }) })]);
const Switched = Type.Object({ id: Type.String(), enabled: Type.Boolean() });

/**
 * A flow file should hold ${env:…}/${secret:…} references, not values; if one holds a value anyway
 * under a name the audit log takes for a credential's (an Authorization header, a query's
 * api_key: isCredentialName), it does not leave through the API.
 */
export function redactDefinition(value: unknown, key = ''): unknown {
  if (Array.isArray(value)) return value.map((item) => redactDefinition(item));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactDefinition(v, k)]));
  if (isCredentialName(key) && typeof value === 'string' && !isPlaceholdersOnly(value)) return REDACTED;
  return value;
}

/** A `${env:…}`/`${secret:…}` reference, or a `{{ … }}` template expression that computes a value at run time. */
const PLACEHOLDER = /\$\{[^}]*\}|\{\{[\s\S]*?\}\}/g;

/**
 * A value that says where its credential comes from instead of holding it: references and
 * template expressions, and at most the scheme word a header puts before one ("Bearer
 * ${secret:TOKEN}"), which tells the reader how the credential is sent.
 */
function isPlaceholdersOnly(value: string): boolean {
  const literal = value.replace(PLACEHOLDER, '');
  return literal !== value && /^\s*(?:[A-Za-z][A-Za-z-]*\s+)?$/.test(literal);
}

export async function flowRoutes(app: FastifyInstance, context: ApiContext): Promise<void> {
  const { store, flows } = context;

  async function summary(loaded: LoadedFlow) {
    const { flow } = loaded;
    const counts = await store.countRuns(flow.id);
    const trigger = flow.trigger;
    const kind = 'webhook' in trigger ? 'webhook' : 'schedule' in trigger ? 'schedule' : 'poll' in trigger ? 'poll' : 'exception' in trigger ? 'exception' : 'manual';
    return {
      id: flow.id,
      ...(flow.description === undefined ? {} : { name: flow.description }),
      trigger: kind,
      ...('webhook' in trigger ? { path: trigger.webhook.path } : {}),
      enabled: flows.isEnabled(flow.id),
      steps: flow.steps.length,
      counts: { queued: counts.queued, running: counts.running, waiting: counts.waiting, completed: counts.succeeded, exception: counts.exception },
    };
  }

  function find(id: string): LoadedFlow {
    const flow = flows.get(id);
    if (flow === undefined) throw notFound('flow', id);
    return flow;
  }

  app.get('/flows', {
    config: { role: 'viewer' },
    schema: { summary: 'Loaded flows with their run counts', tags: ['flows'], response: { 200: Type.Object({ items: Type.Array(FlowSummary) }) } },
    handler: async () => ({ items: await Promise.all(flows.all().map(summary)) }),
  });

  app.get('/flows/:id', {
    config: { role: 'viewer' },
    schema: { summary: 'A flow, its definition and counts', tags: ['flows'], params: IdParams, response: { 200: FlowDetail } },
    handler: async (request) => {
      const flow = find((request.params as Static<typeof IdParams>).id);
      return { ...(await summary(flow)), definition: redactDefinition(flow.flow) };
    },
  });

  for (const enabled of [false, true]) {
    app.post(`/flows/:id/${enabled ? 'enable' : 'disable'}`, {
      config: { role: 'admin' },
      schema: {
        summary: enabled ? 'Enable a flow: its runs are claimed again' : 'Disable a flow, in every process sharing the store within seconds: its webhooks answer 503 flow-disabled, its schedule and polling stop, and its runs are not claimed',
        tags: ['flows'],
        params: IdParams,
        response: { 200: Switched },
      },
      handler: async (request) => {
        const flow = find((request.params as Static<typeof IdParams>).id);
        await flows.setEnabled(flow.flow.id, enabled);
        await app.weftAuth.audit(request, enabled ? 'flow.enable' : 'flow.disable', flow.flow.id);
        return { id: flow.flow.id, enabled };
      },
    });
  }
}
