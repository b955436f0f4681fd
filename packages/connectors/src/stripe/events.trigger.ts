import { cursor, defineTrigger, schema } from '@weft/sdk';

interface StripeEventRecord {
  id: string;
  created: number;
}

interface EventList {
  data: StripeEventRecord[];
  has_more: boolean;
}

/**
 * Every event of the account, by polling GET /v1/events: the way to catch up on what webhooks
 * missed, and to backfill. The cursor is the newest `created` second seen (Stripe lists newest
 * first, so it is on the first page; folded record by record, a backfill holds one page at a
 * time); the next poll asks for created ≥ that second again, so events sharing it are fetched
 * twice and deduplicated by id.
 */
export const events = defineTrigger({
  id: 'events',
  name: 'Events',
  description: 'Polls GET /v1/events (Stripe keeps 30 days of events).',
  strategy: 'poll',
  output: schema.Object(
    {
      id: schema.String({ pattern: '^evt_' }),
      object: schema.Literal('event'),
      type: schema.String(),
      created: schema.Integer(),
      data: schema.Object({ object: schema.Unknown() }),
    },
    { additionalProperties: true },
  ),
  poll: {
    cursor: 'timestamp',
    request: (since) => ({ method: 'GET', path: '/v1/events', query: { limit: 100, 'created[gte]': toUnixSeconds(since) } }),
    pagination: cursor({
      cursorParam: 'starting_after',
      items: (body) => (body as EventList).data,
      nextCursor: (body) => {
        const { data, has_more: hasMore } = body as EventList;
        return hasMore ? data.at(-1)?.id : undefined;
      },
    }),
    cursorAfter: (newestSoFar, item) => {
      const { created } = item as StripeEventRecord;
      if (!Number.isFinite(created)) return newestSoFar;
      return newestSoFar === undefined || created > Number(newestSoFar) ? String(created) : newestSoFar;
    },
    dedupeId: (item) => (item as StripeEventRecord).id,
    intervalMs: 60_000,
  },
});

/** The cursor is unix seconds; a start point may also be given as a date (`--since 2026-01-01`). */
function toUnixSeconds(since: string | undefined): number | undefined {
  if (since === undefined) return undefined;
  if (/^\d+$/.test(since)) return Number(since);
  const at = Date.parse(since);
  return Number.isNaN(at) ? undefined : Math.floor(at / 1000);
}
