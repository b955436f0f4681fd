import type { XrefRow } from '../xref/xref-plan.ts';
import type { XrefCreated, XrefGroup } from './store.ts';

/** The xrefs table's row, the same in SQLite and PostgreSQL. */
export interface XrefTableRow {
  entity: string;
  system: string;
  external_id: string;
  group_id: string;
  linked_at: number;
}

export const toXrefRow = (row: XrefTableRow): XrefRow => ({ system: row.system, id: row.external_id, group: row.group_id, linkedAt: row.linked_at });

/** A non-empty group's rows as the port returns it. */
export function toXrefGroup(entity: string, rows: readonly XrefRow[]): XrefGroup {
  return { entity, group: rows[0]!.group, links: rows.map(({ system, id, linkedAt }) => ({ system, id, linkedAt })) };
}

/** The xref_creations table's row, the same in SQLite and PostgreSQL. */
export interface XrefCreationRow {
  entity: string;
  system: string;
  external_id: string;
  record: string;
  created_at: number;
}

export const toXrefCreated = (row: XrefCreationRow): XrefCreated => ({
  entity: row.entity,
  system: row.system,
  id: row.external_id,
  record: JSON.parse(row.record) as unknown,
  linkedAt: row.created_at,
});

/**
 * A created record as stored: JSON, as the step's checkpoint holds it (an action that answered
 * nothing as null). Linking again under one effect key (after an unlink) keeps the latest.
 */
export const recordText = (record: unknown): string => JSON.stringify(record) ?? 'null';
