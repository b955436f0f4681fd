import { randomBytes as cryptoRandomBytes } from 'node:crypto';
import { open, parseEnvelope, rewrap, seal } from './envelope.ts';
import type { RandomBytes } from './envelope.ts';
import { VaultError, toKeyring } from './master-key.ts';
import type { MasterKey, MasterKeys } from './master-key.ts';

/** One stored secret. */
export interface StoredSecret {
  connectionId: string;
  name: string;
  /** `JSON.stringify(Envelope)`. */
  envelope: string;
  /** The envelope's `kid`, kept as a column so rotation can find rows by key. */
  kid: string;
}

export interface SecretWrite {
  connectionId: string;
  name: string;
  envelope: string;
  kid: string;
  /**
   * Absent: insert or replace unconditionally. Present: replace only if the row exists and its
   * envelope is exactly this text; otherwise write nothing and resolve false. Every seal draws
   * fresh random ivs, so an envelope never recurs: unlike a per-row version, which restarts when
   * a row is deleted and re-created, the check cannot be fooled by that (ABA).
   */
  expectedEnvelope?: string;
}

export interface SecretRowKey {
  connectionId: string;
  name: string;
}

/** What the vault needs from a store. Each method is one atomic statement. */
export interface VaultStorage {
  read(connectionId: string, name: string): Promise<StoredSecret | undefined>;
  /** False only on a failed `expectedEnvelope` check (the row changed or was deleted). */
  write(secret: SecretWrite): Promise<boolean>;
  /** False when there was no such row. */
  delete(connectionId: string, name: string): Promise<boolean>;
  /** Sorted. */
  listNames(connectionId: string): Promise<string[]>;
  /**
   * Up to `limit` rows whose kid is not `kidNot`, in (connectionId, name) order, strictly after
   * `after` when given. Rotation pages with the last row it saw, so a row it cannot open is not
   * returned again in the same rotation.
   */
  listByKid(kidNot: string, limit: number, after?: SecretRowKey): Promise<StoredSecret[]>;
}

export interface RotationResult {
  /** Rows whose data key is now wrapped by the new key. */
  rewrapped: number;
  /** Rows that, by the time they were written, had been deleted or re-sealed under the new key by someone else. */
  skipped: number;
  /** Rows no loaded key opens (unknown kid or altered); they stay as they were. */
  unreadable: Array<SecretRowKey & { kid: string }>;
}

export interface Vault {
  put(connectionId: string, name: string, value: string): Promise<void>;
  get(connectionId: string, name: string): Promise<string | undefined>;
  remove(connectionId: string, name: string): Promise<boolean>;
  list(connectionId: string): Promise<string[]>;
  /**
   * Rewraps every secret not under `newKey`, in pages of `batchSize`, while reads and writes go
   * on. From the call on, this vault seals with `newKey` and still opens with every key it had.
   */
  rotate(newKey: MasterKey, options?: { batchSize?: number }): Promise<RotationResult>;
  /** The id of the key new secrets are sealed under. */
  currentKeyId(): string;
}

export interface VaultOptions {
  keys: MasterKeys;
  storage: VaultStorage;
  randomBytes?: RandomBytes;
}

export function createVault(options: VaultOptions): Vault {
  const { storage } = options;
  const randomBytes = options.randomBytes ?? cryptoRandomBytes;
  const keyring = toKeyring(options.keys);
  let current = options.keys.current;

  const openRow = (row: StoredSecret) => open(parseEnvelope(row.envelope), keyring, rowAad(row.connectionId, row.name));

  // Rewrap one row, re-reading it after each lost race until it is gone or under the new key.
  async function rotateRow(row: StoredSecret, newKey: MasterKey, result: RotationResult): Promise<void> {
    let latest: StoredSecret | undefined = row;
    while (latest !== undefined && latest.kid !== newKey.id) {
      let envelope: string;
      try {
        envelope = JSON.stringify(rewrap(parseEnvelope(latest.envelope), keyring, newKey, randomBytes));
      } catch (err) {
        if (!(err instanceof VaultError)) throw err;
        result.unreadable.push({ connectionId: latest.connectionId, name: latest.name, kid: latest.kid });
        return;
      }
      const isWritten = await storage.write({
        connectionId: latest.connectionId,
        name: latest.name,
        envelope,
        kid: newKey.id,
        expectedEnvelope: latest.envelope,
      });
      if (isWritten) {
        result.rewrapped += 1;
        return;
      }
      latest = await storage.read(row.connectionId, row.name);
    }
    result.skipped += 1;
  }

  return {
    async put(connectionId, name, value) {
      const envelope = seal(value, current, rowAad(connectionId, name), randomBytes);
      await storage.write({ connectionId, name, envelope: JSON.stringify(envelope), kid: envelope.kid });
    },

    async get(connectionId, name) {
      const row = await storage.read(connectionId, name);
      return row === undefined ? undefined : openRow(row).toString('utf8');
    },

    remove: (connectionId, name) => storage.delete(connectionId, name),

    list: (connectionId) => storage.listNames(connectionId),

    async rotate(newKey, rotateOptions = {}) {
      const batchSize = rotateOptions.batchSize ?? 100;
      if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, not ${batchSize}`);
      // Seal with the new key before the first rewrap, so no put during the rotation lands under the old one.
      keyring.set(newKey.id, newKey);
      current = newKey;

      const result: RotationResult = { rewrapped: 0, skipped: 0, unreadable: [] };
      let after: SecretRowKey | undefined;
      for (;;) {
        const page = await storage.listByKid(newKey.id, batchSize, after);
        for (const row of page) await rotateRow(row, newKey, result);
        const last = page.at(-1);
        if (page.length < batchSize || last === undefined) return result;
        after = { connectionId: last.connectionId, name: last.name };
      }
    },

    currentKeyId: () => current.id,
  };
}

/** Binds an envelope to its row; JSON keeps ("a:b", "c") and ("a", "b:c") apart. */
function rowAad(connectionId: string, name: string): string {
  return JSON.stringify([connectionId, name]);
}

/** The reference `VaultStorage`: what the SQLite table must do, kept in a Map. */
export function createMemoryVaultStorage(): VaultStorage {
  const rows = new Map<string, StoredSecret>();
  const keyOf = (connectionId: string, name: string) => JSON.stringify([connectionId, name]);
  const byRowKey = (a: SecretRowKey, b: SecretRowKey) => compare(a.connectionId, b.connectionId) || compare(a.name, b.name);

  return {
    async read(connectionId, name) {
      const row = rows.get(keyOf(connectionId, name));
      return row === undefined ? undefined : { ...row };
    },
    async write({ connectionId, name, envelope, kid, expectedEnvelope }) {
      const key = keyOf(connectionId, name);
      if (expectedEnvelope !== undefined && rows.get(key)?.envelope !== expectedEnvelope) return false;
      rows.set(key, { connectionId, name, envelope, kid });
      return true;
    },
    async delete(connectionId, name) {
      return rows.delete(keyOf(connectionId, name));
    },
    async listNames(connectionId) {
      return [...rows.values()]
        .filter((row) => row.connectionId === connectionId)
        .map((row) => row.name)
        .sort(compare);
    },
    async listByKid(kidNot, limit, after) {
      return [...rows.values()]
        .filter((row) => row.kid !== kidNot && (after === undefined || byRowKey(row, after) > 0))
        .sort(byRowKey)
        .slice(0, limit)
        .map((row) => ({ ...row }));
    },
  };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
