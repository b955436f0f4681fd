/**
 * A database a newer Weft migrated (a rollback, an old worker left running) holds tables whose
 * meaning this version does not know: it would read and write them wrongly, so it refuses to start.
 */
export function refuseNewerSchema(applied: ReadonlySet<number>, files: readonly string[]): void {
  const newestKnown = Math.max(0, ...files.map((name) => Number(name.slice(0, 4))));
  const newestApplied = Math.max(0, ...applied);
  if (newestApplied > newestKnown) {
    throw new Error(`the database schema is at migration ${newestApplied}, newer than this Weft knows (${newestKnown}): a newer Weft migrated it; run that version, or restore a backup taken before the upgrade`);
  }
}
