import type { NewEvent } from './store.ts';

let count = 0;

/**
 * A webhook event as the store's tests ingest it: ids, run id and dedupe key of its own (a counter
 * shared by the process), received at 2026-01-01 unless `fields` say otherwise, with a body naming
 * its number.
 */
export function testEvent(
  fields: { flowId?: string; dedupeKey?: string; orderingKey?: string | null; receivedAt?: number; headers?: Record<string, string>; body?: unknown } = {},
): NewEvent {
  count += 1;
  const receivedAt = fields.receivedAt ?? Date.UTC(2026, 0, 1);
  return {
    id: `evt_${count}`,
    runId: `run_${count}`,
    flowId: fields.flowId ?? 'orders',
    dedupeKey: fields.dedupeKey ?? `delivery-${count}`,
    orderingKey: fields.orderingKey ?? null,
    receivedAt,
    event: { id: `evt_${count}`, source: 'webhook', receivedAt: new Date(receivedAt).toISOString(), headers: fields.headers ?? {}, query: {}, body: fields.body ?? { n: count } },
  };
}
