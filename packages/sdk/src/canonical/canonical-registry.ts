import type { TSchema } from '@sinclair/typebox';
import { Address, Contact, Customer, InventoryLevel, Invoice, Item, Message, Order, OrderLine, Payment, Refund, Shipment } from './entities.ts';

/** Every canonical entity by name; the names are what `validate:` steps, mappings and xref use. */
export const CANONICAL_ENTITIES = [
  'customer',
  'address',
  'order',
  'order-line',
  'item',
  'inventory-level',
  'shipment',
  'invoice',
  'payment',
  'refund',
  'contact',
  'message',
] as const;

export type CanonicalEntity = (typeof CANONICAL_ENTITIES)[number];

/** Each entity's versions, newest last. One explicit table: no registration by side effect. */
export const CANONICAL_SCHEMAS: Readonly<Record<CanonicalEntity, readonly TSchema[]>> = {
  customer: [Customer],
  address: [Address],
  order: [Order],
  'order-line': [OrderLine],
  item: [Item],
  'inventory-level': [InventoryLevel],
  shipment: [Shipment],
  invoice: [Invoice],
  payment: [Payment],
  refund: [Refund],
  contact: [Contact],
  message: [Message],
};

export interface CanonicalRef {
  entity: CanonicalEntity;
  version: number;
  /** "canonical/order@1", the schema's $id. */
  id: string;
}

const REF = /^(?:canonical\/)?([a-z-]+)@([1-9][0-9]*)$/;

/**
 * Reads "order@1" or "canonical/order@1". A version is required: a flow that validates against
 * "whatever is newest" would change meaning when Weft upgrades.
 */
export function parseCanonicalRef(text: string): CanonicalRef | { error: string } {
  const match = REF.exec(text);
  if (!match) return { error: `"${text}" is not a canonical schema reference; write <entity>@<version>, e.g. "order@1"` };
  const entity = match[1] as CanonicalEntity;
  const version = Number(match[2]);
  const versions = CANONICAL_SCHEMAS[entity];
  if (versions === undefined) return { error: `"${match[1]}" is not a canonical entity; known: ${CANONICAL_ENTITIES.join(', ')}` };
  if (version > versions.length) return { error: `${entity} has versions 1–${versions.length}, not ${version}` };
  return { entity, version, id: `canonical/${entity}@${version}` };
}

export function canonicalSchema(ref: CanonicalRef): TSchema {
  return CANONICAL_SCHEMAS[ref.entity][ref.version - 1]!;
}

export function isCanonicalEntity(name: string): name is CanonicalEntity {
  return (CANONICAL_ENTITIES as readonly string[]).includes(name);
}
