/**
 * The cross-reference rules, pure, shared by every store. A group is one business object: at
 * most one id per system ("shopify customer 7001 = netsuite customer 3345 = stripe cus_9").
 * Linking two ids joins their groups, unless that would give one system two ids in a group —
 * then it is a conflict an operator must resolve (`weft xref unlink`), never a silent overwrite.
 */

export interface XrefRef {
  /** A connection name ("shopify"), or a business-key namespace ("email"). */
  system: string;
  id: string;
}

export interface XrefRow extends XrefRef {
  group: string;
  linkedAt: number;
}

export type XrefPlan =
  | { kind: 'already-linked' }
  | { kind: 'insert'; group: string; rows: XrefRef[] }
  /** Move every row of `from` into `into`, then insert nothing else: both ids are already stored. */
  | { kind: 'merge'; from: string; into: string };

export class XrefConflictError extends Error {
  readonly code = 'ERR_XREF_CONFLICT';
  constructor(
    readonly entity: string,
    readonly existing: XrefRef & { linkedTo: XrefRef },
    readonly claimed: XrefRef,
  ) {
    super(
      `${existing.linkedTo.system} ${entity} ${existing.linkedTo.id} is already linked to ${existing.system} ${entity} ${existing.id}, ` +
        `so it cannot also be ${claimed.system} ${entity} ${claimed.id}`,
    );
  }
}

/**
 * Decides what linking `a` and `b` does, given the rows of the groups each already belongs to
 * (empty when unlinked). `newGroup` names a group when neither is linked yet.
 */
export function planLink(entity: string, a: XrefRef, b: XrefRef, groupOfA: readonly XrefRow[], groupOfB: readonly XrefRow[], newGroup: string): XrefPlan {
  if (a.system === b.system) {
    if (a.id === b.id) return { kind: 'already-linked' };
    throw new XrefConflictError(entity, { ...a, linkedTo: a }, b);
  }
  const groupA = groupOfA[0]?.group;
  const groupB = groupOfB[0]?.group;
  if (groupA !== undefined && groupA === groupB) return { kind: 'already-linked' };
  if (groupA === undefined && groupB === undefined) return { kind: 'insert', group: newGroup, rows: [a, b] };
  if (groupB === undefined) return { kind: 'insert', group: groupA!, rows: [checkFree(entity, groupOfA, a, b)] };
  if (groupA === undefined) return { kind: 'insert', group: groupB, rows: [checkFree(entity, groupOfB, b, a)] };
  // Both already belong to groups: they may join only if no system has an id in both.
  for (const row of groupOfB) {
    const clash = groupOfA.find((other) => other.system === row.system && other.id !== row.id);
    if (clash) throw new XrefConflictError(entity, { ...clash, linkedTo: a }, row);
  }
  return { kind: 'merge', from: groupB, into: groupA! };
}

/** `joining` may enter `group` (which holds `anchor`) only if the group has no other id in its system. */
function checkFree(entity: string, group: readonly XrefRow[], anchor: XrefRef, joining: XrefRef): XrefRef {
  const taken = group.find((row) => row.system === joining.system);
  if (taken && taken.id !== joining.id) throw new XrefConflictError(entity, { ...taken, linkedTo: anchor }, joining);
  return joining;
}
