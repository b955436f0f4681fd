import { createHash } from 'node:crypto';
import pg from 'pg';
import { StoreUnavailableError } from '../store.ts';

/** One connection's queries inside a transaction. */
export interface PostgresTx {
  query<R>(text: string, values?: readonly unknown[]): Promise<R[]>;
}

/** What the store and its sub-objects need from the pool: counted queries, transactions, locks. */
export interface PostgresAccess {
  /** One statement in its own transaction (autocommit): one round trip. */
  query<R>(text: string, values?: readonly unknown[]): Promise<R[]>;
  /**
   * BEGIN, then the advisory transaction locks of `locks` (sorted, so two transactions cannot
   * wait on each other), in the same round trip; COMMIT when `work` resolves, ROLLBACK when it
   * throws. Statements in `work` start after the locks are held, so they see every write
   * committed by the transaction that held them before.
   */
  transaction<T>(work: (tx: PostgresTx) => Promise<T>, locks?: readonly string[]): Promise<T>;
  /** Round trips to the server since the pool opened. */
  queryCount(): number;
  /**
   * Why the last write failed as unavailable (the disk is full, the connection is gone), until a
   * write changes a row again; undefined while writes work. Reads can answer while writes fail.
   */
  writeFailure(): string | undefined;
}

/** SQLSTATE classes and codes meaning "the server cannot take this now", not "this write is wrong". */
const UNAVAILABLE_SQLSTATES = ['08', '53', '57P01', '57P02', '57P03', '58'];
const UNAVAILABLE_MESSAGES = /connection|terminat|timeout|not queryable|pool after calling end/i;
/**
 * Statements whose row count counts rows written. A `WITH … SELECT` counts the rows it returns,
 * which a duplicate ingest returns without writing: no proof that writes work.
 */
const ROW_WRITING_COMMANDS = new Set(['INSERT', 'UPDATE', 'DELETE', 'MERGE']);
const changedRows = (result: pg.QueryResult): boolean => ROW_WRITING_COMMANDS.has(result.command) && (result.rowCount ?? 0) > 0;

/** int8 columns (BIGINT times, counts) as JS numbers: every value the store keeps fits in 2^53. */
const TYPES = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === pg.types.builtins.INT8 ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

export interface PoolOptions {
  url: string;
  /** Tables live in this schema (created by the migrations when missing); the URL's search_path otherwise. */
  schema?: string;
  poolSize?: number;
  connectTimeoutMs?: number;
  applicationName?: string;
}

export function clientConfig(options: PoolOptions): pg.ClientConfig {
  return {
    connectionString: options.url,
    types: TYPES,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
    keepAlive: true,
    application_name: options.applicationName ?? 'weft',
    ...(options.schema === undefined ? {} : { options: `-c search_path=${pg.escapeIdentifier(options.schema)}` }),
  };
}

export function createPool(options: PoolOptions): pg.Pool {
  const config = clientConfig(options);
  // pg-pool applies connectionTimeoutMillis to waiting for a free connection as well: a burst
  // queued behind a busy pool would fail as "unavailable". Only opening a connection is bounded.
  class BoundedConnectClient extends pg.Client {
    constructor(clientOptions: pg.ClientConfig) {
      super({ ...clientOptions, connectionTimeoutMillis: config.connectionTimeoutMillis ?? 0 });
    }
  }
  const pool = new pg.Pool({ ...config, connectionTimeoutMillis: 0, Client: BoundedConnectClient as unknown as new () => pg.ClientBase, max: options.poolSize ?? 10, idleTimeoutMillis: 10_000 });
  // An idle connection the server dropped (a restart) is only discarded: the pool opens a new one
  // on the next query, so the store recovers by itself when the server is back.
  pool.on('error', () => {});
  return pool;
}

/** A 64-bit advisory lock key for a name, the same in every process. */
export function lockKey(name: string): bigint {
  return createHash('sha256').update(name).digest().readBigInt64BE(0);
}

export function createAccess(pool: pg.Pool): PostgresAccess {
  let queries = 0;
  let lastWriteFailure: string | undefined;

  async function run(target: pg.Pool | pg.PoolClient, text: string, values?: readonly unknown[]): Promise<pg.QueryResult> {
    queries += 1;
    try {
      return await target.query(text, values as unknown[] | undefined);
    } catch (error) {
      const storeError = toStoreError(error);
      if (storeError instanceof StoreUnavailableError) lastWriteFailure = storeError.message;
      throw error;
    }
  }

  // Only a committed change of a row proves writes work again: an UPDATE matching nothing, or a
  // COMMIT of a transaction that wrote nothing, succeeds on a full disk too, and a row written
  // inside a transaction is not yet on disk (its COMMIT may still fail).
  return {
    query: async <R>(text: string, values?: readonly unknown[]) => {
      try {
        const result = await run(pool, text, values);
        if (changedRows(result)) lastWriteFailure = undefined;
        return result.rows as R[];
      } catch (error) {
        throw toStoreError(error);
      }
    },

    transaction: async (work, locks = []) => {
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (error) {
        throw toStoreError(error);
      }
      let isBroken = false;
      try {
        // Keys are formatted bigints, never caller text: safe to inline, and one round trip.
        const lockStatements = [...new Set(locks.map(lockKey))]
          .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
          .map((key) => `SELECT pg_advisory_xact_lock(${key});`);
        await run(client, ['BEGIN;', ...lockStatements].join(' '));
        let hasChangedRows = false;
        const value = await work({
          query: async <R>(text: string, values?: readonly unknown[]) => {
            const result = await run(client, text, values);
            hasChangedRows ||= changedRows(result);
            return result.rows as R[];
          },
        });
        await run(client, 'COMMIT');
        if (hasChangedRows) lastWriteFailure = undefined;
        return value;
      } catch (error) {
        try {
          await run(client, 'ROLLBACK');
        } catch {
          isBroken = true;
        }
        throw toStoreError(error);
      } finally {
        client.release(isBroken || undefined);
      }
    },

    queryCount: () => queries,
    writeFailure: () => lastWriteFailure,
  };
}

export function isUnavailable(error: unknown): boolean {
  if (error instanceof StoreUnavailableError) return true;
  if (error instanceof pg.DatabaseError) return UNAVAILABLE_SQLSTATES.some((code) => error.code?.startsWith(code));
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  // Weft's own errors (a stale fence, an exception not open) are answers, whatever their words.
  if (typeof code === 'string' && code.startsWith('ERR_')) return false;
  // A system error (ECONNREFUSED, ECONNRESET, ETIMEDOUT…) or pg's own connection failures.
  return (typeof code === 'string' && /^E[A-Z]+$/.test(code)) || UNAVAILABLE_MESSAGES.test(error.message);
}

export function toStoreError(error: unknown): unknown {
  if (error instanceof StoreUnavailableError || !isUnavailable(error)) return error;
  return new StoreUnavailableError(`the store is unavailable: ${describe(error)}`, { cause: error });
}

function describe(error: unknown): string {
  if (error instanceof pg.DatabaseError) return `${error.code}: ${error.message}`;
  if (error instanceof AggregateError) return error.errors.map(describe).join('; ') || 'connection failed';
  return error instanceof Error ? error.message || String((error as { code?: unknown }).code) : String(error);
}
