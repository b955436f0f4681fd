/**
 * A sandbox's table of records: insertion-ordered, keyed by id. Handlers mutate it as the vendor
 * would its database, so a record created by one request is there for the next.
 */
export interface Collection<T extends { id: string }> {
  get(id: string): T | undefined;
  /** Throws on a duplicate id: a sandbox that overwrote a record would hide a connector's double create. */
  insert(record: T): T;
  update(id: string, patch: Partial<T>): T | undefined;
  remove(id: string): boolean;
  /** Oldest first. */
  all(): T[];
  readonly size: number;
}

export function createCollection<T extends { id: string }>(records: Iterable<T> = []): Collection<T> {
  const byId = new Map<string, T>();
  const collection: Collection<T> = {
    get: (id) => byId.get(id),
    insert(record) {
      if (byId.has(record.id)) throw new Error(`a record with id ${record.id} already exists`);
      byId.set(record.id, record);
      return record;
    },
    update(id, patch) {
      const current = byId.get(id);
      if (current === undefined) return undefined;
      const next = { ...current, ...patch, id };
      byId.set(id, next);
      return next;
    },
    remove: (id) => byId.delete(id),
    all: () => [...byId.values()],
    get size() {
      return byId.size;
    },
  };
  for (const record of records) collection.insert(record);
  return collection;
}
