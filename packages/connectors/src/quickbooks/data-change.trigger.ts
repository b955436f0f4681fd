import { defineTrigger, schema } from '@weft/sdk';
import { CHANGE_OPERATIONS } from './quickbooks.fixtures.ts';

const changedEntity = schema.Object({
  name: schema.String({ description: 'The entity type: Invoice, Customer, Payment, CreditMemo, …' }),
  id: schema.String({ description: 'Its Id; read it to get the record (the event carries no data).' }),
  operation: schema.Union(CHANGE_OPERATIONS.map((operation) => schema.Literal(operation))),
  lastUpdated: schema.String(),
  deletedId: schema.Optional(schema.String({ description: 'On Merge: the Id of the record merged away.' })),
});

export const dataChangeEventPayload = schema.Object({
  eventNotifications: schema.Array(
    schema.Object({
      realmId: schema.String({ description: 'The company the changes happened in.' }),
      dataChangeEvent: schema.Object({ entities: schema.Array(changedEntity, { minItems: 1 }) }),
    }),
    { minItems: 1 },
  ),
});

interface DataChangePayload {
  eventNotifications?: { realmId?: string; dataChangeEvent?: { entities?: { name?: string; id?: string; operation?: string; lastUpdated?: string }[] } }[];
}

/**
 * Intuit's data change webhook. One delivery can batch changes from several entities (and
 * realms); each names what changed, not its new state, so a flow reads the record by id.
 * `intuit-signature` is base64(HMAC-SHA256(verifier token, raw body)), the token being the
 * connection's webhookSecret. Intuit sends no event or delivery id, and a retry carries the same
 * body, so the dedupe id is every change the body lists, with its lastUpdated.
 */
export const dataChange = defineTrigger({
  id: 'data-change',
  name: 'Data changed',
  description: 'Entities created, updated, deleted, merged, voided or emailed in the company, as Intuit\'s webhook reports them.',
  strategy: 'webhook',
  webhook: {
    signature: { scheme: 'hmac-sha256', header: 'intuit-signature', encoding: 'base64' },
    dedupeId: (_headers, body) => {
      const changes = ((body as DataChangePayload | null)?.eventNotifications ?? []).flatMap((notification) =>
        (notification.dataChangeEvent?.entities ?? []).map((entity) => [notification.realmId, entity.name, entity.id, entity.operation, entity.lastUpdated].join(':')),
      );
      return changes.length === 0 ? undefined : changes.join('|');
    },
  },
  output: dataChangeEventPayload,
});
