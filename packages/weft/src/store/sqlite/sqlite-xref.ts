import { newId } from '../../core/ids.ts';
import { planLinkOrRefusal, type XrefRow } from '../../xref/xref-plan.ts';
import { XREF_FIND_MANY_CHUNK, type XrefGroup, type XrefStore } from '../store.ts';
import { recordText, toXrefCreated, toXrefGroup, toXrefRow, type XrefCreationRow, type XrefTableRow } from '../xref-rows.ts';
import type { SqliteAccess } from './sqlite-connections.ts';

export function createSqliteXrefStore({ sql, write, read }: SqliteAccess): XrefStore {
  const groupOf = (entity: string, system: string, id: string): XrefRow[] =>
    (
      sql(`
        SELECT entity, system, external_id, group_id, linked_at FROM xrefs
        WHERE entity = ? AND group_id = (SELECT group_id FROM xrefs WHERE entity = ? AND system = ? AND external_id = ?)
        ORDER BY linked_at, system`).all(entity, entity, system, id) as XrefTableRow[]
    ).map(toXrefRow);

  return {
    // The plan is made and applied inside one write closure: SQLite runs it in the group
    // commit's transaction, so no other link interleaves. A refused link links nothing but keeps
    // its creation, so the conflict is thrown once that has committed, not inside the closure.
    link: async (entity, a, b, now, createdBy) => {
      const refused = await write(() => {
        const plan = planLinkOrRefusal(entity, a, b, groupOf(entity, a.system, a.id), groupOf(entity, b.system, b.id), newId('xg', now));
        if (plan.kind === 'insert') {
          const insert = sql('INSERT INTO xrefs (entity, system, external_id, group_id, linked_at) VALUES (?, ?, ?, ?, ?)');
          for (const ref of plan.rows) insert.run(entity, ref.system, ref.id, plan.group, now);
        } else if (plan.kind === 'merge') {
          sql('UPDATE xrefs SET group_id = ? WHERE entity = ? AND group_id = ?').run(plan.into, entity, plan.from);
        }
        if (createdBy !== undefined) {
          sql(`
            INSERT INTO xref_creations (effect_key, entity, system, external_id, record, created_at) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (effect_key) DO UPDATE SET entity = excluded.entity, system = excluded.system, external_id = excluded.external_id,
              record = excluded.record, created_at = excluded.created_at`).run(createdBy.effectKey, entity, b.system, b.id, recordText(createdBy.record), now);
        }
        return plan.kind === 'refused' ? plan.conflict : undefined;
      });
      if (refused !== undefined) throw refused;
    },
    creationOf: (effectKey) =>
      read(() => {
        const row = sql('SELECT entity, system, external_id, record, created_at FROM xref_creations WHERE effect_key = ?').get(effectKey) as XrefCreationRow | undefined;
        return row === undefined ? undefined : toXrefCreated(row);
      }),
    find: (entity, ref) =>
      read(() => {
        const rows = groupOf(entity, ref.system, ref.id);
        return rows.length === 0 ? undefined : toXrefGroup(entity, rows);
      }),
    // The refs go in as one JSON parameter: one statement text whatever the chunk's size (the
    // statement cache keeps one), and no limit on bound variables to mind. A read per chunk
    // leaves the event loop to others between them.
    findMany: async (entity, refs) => {
      const groups = new Map<string, XrefGroup>();
      for (let start = 0; start < refs.length; start += XREF_FIND_MANY_CHUNK) {
        const chunk = JSON.stringify(refs.slice(start, start + XREF_FIND_MANY_CHUNK).map((ref) => [ref.system, ref.id]));
        const rows = await read(() =>
          (
            sql(`
              SELECT entity, system, external_id, group_id, linked_at FROM xrefs
              WHERE entity = @entity AND group_id IN (
                SELECT group_id FROM xrefs WHERE entity = @entity AND (system, external_id) IN (SELECT value ->> 0, value ->> 1 FROM json_each(@chunk)))
              ORDER BY group_id, linked_at, system`).all({ entity, chunk }) as XrefTableRow[]
          ).map(toXrefRow),
        );
        // Two chunks can reach one group: the later one's copy of it is skipped.
        const found = new Map<string, XrefRow[]>();
        for (const row of rows) if (!groups.has(row.group)) found.set(row.group, [...(found.get(row.group) ?? []), row]);
        for (const [id, members] of found) groups.set(id, toXrefGroup(entity, members));
      }
      return [...groups.values()];
    },
    list: ({ entity, system, id, limit = 100 }) =>
      read(() => {
        const groups = sql(`
          SELECT entity, group_id, MAX(linked_at) AS last FROM xrefs
          WHERE (@entity IS NULL OR entity = @entity)
            AND (@system IS NULL OR group_id IN (SELECT group_id FROM xrefs WHERE system = @system))
            AND (@id IS NULL OR group_id IN (SELECT group_id FROM xrefs WHERE external_id = @id))
          GROUP BY entity, group_id ORDER BY last DESC, group_id DESC LIMIT @limit`).all({ entity: entity ?? null, system: system ?? null, id: id ?? null, limit }) as {
          entity: string;
          group_id: string;
        }[];
        const members = sql('SELECT entity, system, external_id, group_id, linked_at FROM xrefs WHERE entity = ? AND group_id = ? ORDER BY linked_at, system');
        return groups.map((group) => toXrefGroup(group.entity, (members.all(group.entity, group.group_id) as XrefTableRow[]).map(toXrefRow)));
      }),
    unlink: (entity, ref) =>
      write(() => {
        const removed = sql('DELETE FROM xrefs WHERE entity = ? AND system = ? AND external_id = ? RETURNING group_id').pluck().get(entity, ref.system, ref.id) as string | undefined;
        if (removed === undefined) return false;
        // A group of one links nothing: drop the orphan so `find` does not report a lone id as linked.
        const left = sql('SELECT COUNT(*) FROM xrefs WHERE entity = ? AND group_id = ?').pluck().get(entity, removed) as number;
        if (left === 1) sql('DELETE FROM xrefs WHERE entity = ? AND group_id = ?').run(entity, removed);
        return true;
      }),
  };
}
