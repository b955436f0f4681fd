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

/** A stored id in the way of a link, in its group, and the command that takes it out of the group. */
export interface XrefUnlink {
  ref: XrefRef & { group: string };
  command: string;
}

/** Why a link is refused: two ids of one system, or the group already holds an id of the claimed one's system. */
export type XrefConflict =
  | { kind: 'one-system'; a: XrefRef; b: XrefRef }
  /** `existing` (stored, in its group) is linked to `linkedTo`; `claimed` would join them, itself in a group when both are linked (a merge). */
  | { kind: 'taken'; existing: XrefRef & { group: string }; linkedTo: XrefRef; claimed: XrefRef & { group?: string } };

/**
 * A link refused because a group would hold two ids of one system. The message names the stored
 * link in the way — both ids and the group they are in — and the id claimed; `unlinks` are the
 * `weft xref unlink` commands that would let the link through, one per stored id in the way, for
 * a person to pick the wrong one (none when the two ids are of one system: no unlink helps).
 */
export class XrefConflictError extends Error {
  readonly code = 'ERR_XREF_CONFLICT';
  readonly unlinks: XrefUnlink[];
  constructor(
    readonly entity: string,
    readonly conflict: XrefConflict,
  ) {
    super(conflictMessage(entity, conflict));
    const inTheWay = conflict.kind === 'one-system' ? [] : [conflict.existing, ...(conflict.claimed.group === undefined ? [] : [{ ...conflict.claimed, group: conflict.claimed.group }])];
    this.unlinks = inTheWay.map(({ system, id, group }) => ({
      ref: { system, id, group },
      command: ['weft', 'xref', 'unlink', entity, `${system}:${id}`].map(shellWord).join(' '),
    }));
  }

  /**
   * What a person does to let the link through, naming each stored id in the way with its exact
   * command, then `then` ("then replay"); undefined when no unlink helps (two ids of one system).
   */
  remedy(then: string): string | undefined {
    const [first, ...others] = this.unlinks;
    if (first === undefined) return undefined;
    const name = (ref: XrefRef) => `${ref.system} ${this.entity} ${ref.id}`;
    const alternatives = others.map((unlink) => `; if ${name(unlink.ref)} is, with \`${unlink.command}\``).join('');
    return `If ${name(first.ref)} is the wrong one, take it out with \`${first.command}\`${alternatives}${others.length > 0 ? ';' : ','} ${then}`;
  }
}

function conflictMessage(entity: string, conflict: XrefConflict): string {
  const name = (ref: XrefRef) => `${ref.system} ${entity} ${ref.id}`;
  if (conflict.kind === 'one-system') {
    const article = /^[aeiou]/i.test(entity) ? 'an' : 'a';
    return `${name(conflict.a)} and ${name(conflict.b)} are two ids of one system, and ${article} ${entity} has at most one id per system`;
  }
  const { existing, linkedTo, claimed } = conflict;
  return (
    `${name(linkedTo)} is already linked to ${name(existing)} in cross-reference group ${existing.group}, ` +
    `so it cannot also be ${name(claimed)}${claimed.group === undefined ? '' : `, linked in group ${claimed.group}`}`
  );
}

/** A command-line word as a POSIX shell reads it back: as it is when plain, else single-quoted. */
function shellWord(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}

/**
 * Decides what linking `a` and `b` does, given the rows of the groups each already belongs to
 * (empty when unlinked). `newGroup` names a group when neither is linked yet.
 */
export function planLink(entity: string, a: XrefRef, b: XrefRef, groupOfA: readonly XrefRow[], groupOfB: readonly XrefRow[], newGroup: string): XrefPlan {
  if (a.system === b.system) {
    if (a.id === b.id) return { kind: 'already-linked' };
    throw new XrefConflictError(entity, { kind: 'one-system', a, b });
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
    if (clash) throw new XrefConflictError(entity, { kind: 'taken', existing: clash, linkedTo: a, claimed: row });
  }
  return { kind: 'merge', from: groupB, into: groupA! };
}

/**
 * `planLink` with a refusal as a plan instead of a throw: a store that keeps something of a
 * refused link (what an effect created: `XrefStore.link`'s `createdBy`) writes it in the link's
 * transaction, lets that commit, and throws the conflict after.
 */
export function planLinkOrRefusal(...args: Parameters<typeof planLink>): XrefPlan | { kind: 'refused'; conflict: XrefConflictError } {
  try {
    return planLink(...args);
  } catch (error) {
    if (error instanceof XrefConflictError) return { kind: 'refused', conflict: error };
    throw error;
  }
}

/** `joining` may enter `group` (which holds `anchor`) only if the group has no other id in its system. */
function checkFree(entity: string, group: readonly XrefRow[], anchor: XrefRef, joining: XrefRef): XrefRef {
  const taken = group.find((row) => row.system === joining.system);
  if (taken && taken.id !== joining.id) throw new XrefConflictError(entity, { kind: 'taken', existing: taken, linkedTo: anchor, claimed: joining });
  return joining;
}
