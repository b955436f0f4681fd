import { newId } from '../../core/ids.ts';
import { planLinkOrRefusal, type XrefRef, type XrefRow } from '../../xref/xref-plan.ts';
import { XREF_FIND_MANY_CHUNK, type XrefGroup, type XrefStore } from '../store.ts';
import { recordText, toXrefCreated, toXrefGroup, toXrefRow, type XrefCreationRow, type XrefTableRow } from '../xref-rows.ts';
import type { PostgresAccess, PostgresTx } from './postgres-access.ts';

const GROUP_OF = `
  SELECT entity, system, external_id, group_id, linked_at FROM xrefs
  WHERE entity = $1 AND group_id = (SELECT group_id FROM xrefs WHERE entity = $1 AND system = $2 AND external_id = $3)
  ORDER BY linked_at, system COLLATE "C"`;

/** The groups any of the refs ($2 systems, $3 ids, pairwise) belongs to, every row of each. */
const GROUPS_OF = `
  SELECT entity, system, external_id, group_id, linked_at FROM xrefs
  WHERE entity = $1 AND group_id IN (
    SELECT group_id FROM xrefs WHERE entity = $1 AND (system, external_id) IN (SELECT * FROM unnest($2::text[], $3::text[])))
  ORDER BY group_id, linked_at, system COLLATE "C"`;

export function createPostgresXrefStore({ query, transaction }: PostgresAccess): XrefStore {
  const groupOf = async (tx: PostgresTx | PostgresAccess, entity: string, ref: XrefRef) => (await tx.query<XrefTableRow>(GROUP_OF, [entity, ref.system, ref.id])).map(toXrefRow);

  return {
    // A refused link links nothing but keeps its creation: the conflict is thrown once the
    // transaction has committed, not inside it (that would roll the creation back).
    link: async (entity, a, b, now, createdBy) => {
      const refused = await transaction(
        async (tx) => {
          const plan = planLinkOrRefusal(entity, a, b, await groupOf(tx, entity, a), await groupOf(tx, entity, b), newId('xg', now));
          if (plan.kind === 'insert') {
            for (const ref of plan.rows) {
              await tx.query('INSERT INTO xrefs (entity, system, external_id, group_id, linked_at) VALUES ($1, $2, $3, $4, $5)', [entity, ref.system, ref.id, plan.group, now]);
            }
          } else if (plan.kind === 'merge') {
            await tx.query('UPDATE xrefs SET group_id = $3 WHERE entity = $1 AND group_id = $2', [entity, plan.from, plan.into]);
          }
          if (createdBy !== undefined) {
            await tx.query(
              `INSERT INTO xref_creations (effect_key, entity, system, external_id, record, created_at) VALUES ($1, $2, $3, $4, $5, $6)
               ON CONFLICT (effect_key) DO UPDATE SET entity = excluded.entity, system = excluded.system, external_id = excluded.external_id,
                 record = excluded.record, created_at = excluded.created_at`,
              [createdBy.effectKey, entity, b.system, b.id, recordText(createdBy.record), now],
            );
          }
          return plan.kind === 'refused' ? plan.conflict : undefined;
        },
        // One advisory lock per entity: a merge moves whole groups, so locks on a and b alone
        // would not cover ids linked to them earlier, and reading the groups first to lock them
        // would race. Links are rare next to ingests, so serializing them per entity costs little.
        [`xref:${entity}`],
      );
      if (refused !== undefined) throw refused;
    },
    creationOf: async (effectKey) => {
      const [row] = await query<XrefCreationRow>('SELECT entity, system, external_id, record, created_at FROM xref_creations WHERE effect_key = $1', [effectKey]);
      return row === undefined ? undefined : toXrefCreated(row);
    },
    find: async (entity, ref) => {
      const rows = await groupOf({ query } as PostgresAccess, entity, ref);
      return rows.length === 0 ? undefined : toXrefGroup(entity, rows);
    },
    findMany: async (entity, refs) => {
      const groups = new Map<string, XrefGroup>();
      for (let start = 0; start < refs.length; start += XREF_FIND_MANY_CHUNK) {
        const chunk = refs.slice(start, start + XREF_FIND_MANY_CHUNK);
        const rows = (await query<XrefTableRow>(GROUPS_OF, [entity, chunk.map((ref) => ref.system), chunk.map((ref) => ref.id)])).map(toXrefRow);
        // Two chunks can reach one group: the later one's copy of it is skipped.
        const found = new Map<string, XrefRow[]>();
        for (const row of rows) if (!groups.has(row.group)) found.set(row.group, [...(found.get(row.group) ?? []), row]);
        for (const [id, members] of found) groups.set(id, toXrefGroup(entity, members));
      }
      return [...groups.values()];
    },
    list: async ({ entity, system, id, limit = 100 }) => {
      const groups = await query<{ entity: string; group_id: string }>(
        `SELECT entity, group_id, MAX(linked_at) AS last FROM xrefs
         WHERE ($1::text IS NULL OR entity = $1)
           AND ($2::text IS NULL OR group_id IN (SELECT group_id FROM xrefs WHERE system = $2))
           AND ($3::text IS NULL OR group_id IN (SELECT group_id FROM xrefs WHERE external_id = $3))
         GROUP BY entity, group_id ORDER BY last DESC, group_id COLLATE "C" DESC LIMIT $4`,
        [entity ?? null, system ?? null, id ?? null, limit],
      );
      if (groups.length === 0) return [];
      const rows = await query<XrefTableRow>(
        `SELECT entity, system, external_id, group_id, linked_at FROM xrefs WHERE group_id = ANY($1) ORDER BY linked_at, system COLLATE "C"`,
        [groups.map((group) => group.group_id)],
      );
      return groups.map((group) => toXrefGroup(group.entity, rows.filter((row) => row.entity === group.entity && row.group_id === group.group_id).map(toXrefRow)));
    },
    unlink: (entity, ref) =>
      transaction(
        async (tx) => {
          const [removed] = await tx.query<{ group_id: string }>('DELETE FROM xrefs WHERE entity = $1 AND system = $2 AND external_id = $3 RETURNING group_id', [
            entity,
            ref.system,
            ref.id,
          ]);
          if (removed === undefined) return false;
          // A group of one links nothing: drop the orphan so `find` does not report a lone id as linked.
          await tx.query(`DELETE FROM xrefs WHERE entity = $1 AND group_id = $2 AND (SELECT COUNT(*) FROM xrefs WHERE entity = $1 AND group_id = $2) = 1`, [
            entity,
            removed.group_id,
          ]);
          return true;
        },
        [`xref:${entity}`],
      ),
  };
}
