import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { loadConfig, parseConfigText, settingProblem, type ConfigKey, type WeftConfig } from '../config.ts';
import type { Store } from '../store/store.ts';
import type { CliIo } from './output.ts';

/** What every command gets: the process's streams, environment and cwd, and its exit code. */
export interface CliContext extends CliIo {
  exitCode: number;
  /** Ends the process now: long-running commands use it so no leftover handle keeps it alive. */
  exit(code: number): void;
}

/** The store's list methods default to a page; batch commands want every match. */
export const NO_LIMIT = Number.MAX_SAFE_INTEGER;

/** A failure the user can act on: printed as one line, no stack trace. */
export class CliError extends Error {
  override readonly name = 'CliError';
  readonly code = 'ERR_CLI';
}

/** Flags that override settings: `--port 0`, `--db f`, `--database postgres://…`, `--flows a b`. */
export type ConfigFlags = Partial<Pick<WeftConfig, 'host' | 'port' | 'db' | 'database' | 'flows'>> & { config?: string };

export function addConfigOption(command: Command): Command {
  return command.option('-c, --config <file>', 'config file (default: ./weft.config.yaml)');
}

export function addSettingOptions(command: Command, keys: ReadonlyArray<'host' | 'port' | 'db' | 'flows'>): Command {
  const descriptions = {
    host: ['--host <address>', 'address to listen on'],
    port: ['-p, --port <port>', 'port to listen on (0: a free one)'],
    db: ['--db <file>', 'SQLite database file'],
    database: ['--database <url>', 'PostgreSQL URL (postgres://…); replaces --db'],
    flows: ['--flows <paths...>', 'flow files or folders'],
  } as const;
  // Wherever a command takes --db it also takes --database: both say which store to open.
  const withDatabase = keys.flatMap((key) => (key === 'db' ? (['db', 'database'] as const) : [key]));
  for (const key of withDatabase) {
    const [flags, description] = descriptions[key];
    command.addOption(new Option(flags, description).argParser(settingParser(key)));
  }
  return command;
}

function settingParser(key: ConfigKey) {
  // Variadic options call the parser once per value, passing the values so far.
  return (text: string, previous: unknown) => {
    const value = parseConfigText(key, text);
    const combined = Array.isArray(value) && Array.isArray(previous) ? [...previous, ...value] : value;
    // A bad flag value is a usage error (exit 2), like any other malformed option.
    const problem = settingProblem(key, combined);
    if (problem !== undefined) throw new InvalidArgumentError(problem);
    return combined;
  };
}

/** `flags` is a command's parsed options; only the setting flags among them override config. */
/**
 * A subcommand's flags together with those given before its name (`weft exceptions --json show
 * <id>`): with positional options, commander hands those to the parent, where a subcommand that
 * reads only its own would silently ignore them — `--db` included.
 */
export function withParentFlags<T extends object = object>(command: Command): ConfigFlags & T {
  return command.optsWithGlobals<ConfigFlags & T>();
}

export function loadCliConfig(context: CliContext, flags: ConfigFlags): WeftConfig {
  const { config: configPath, host, port, db, database, flows } = flags;
  return loadConfig({
    cwd: context.cwd,
    env: context.env,
    overrides: { host, port, db, database, flows },
    ...(configPath === undefined ? {} : { configPath }),
  });
}

/** The listing commands read the store directly; they never create a database by accident. */
export async function withStore<T>(config: WeftConfig, use: (store: Store) => Promise<T>): Promise<T> {
  const store = config.database === '' ? await openSqliteForListing(config) : await openPostgres(config.database);
  try {
    return await use(store);
  } finally {
    await store.close();
  }
}

async function openSqliteForListing(config: WeftConfig): Promise<Store> {
  if (config.db !== ':memory:' && !existsSync(config.db)) {
    throw new CliError(`no database at ${config.db} (run weft start there first, or pass --db / set WEFT_DB)`);
  }
  const { createSqliteStore } = await import('../store/sqlite/sqlite-store.ts');
  return createSqliteStore({ path: config.db, synchronous: config.sqliteSynchronous });
}

/** The server's database must exist; its tables are brought up to date like `weft start` does. */
async function openPostgres(url: string): Promise<Store> {
  const { createPostgresStore } = await import('../store/postgres/postgres-store.ts');
  try {
    return await createPostgresStore({ url, poolSize: 2 });
  } catch (error) {
    throw new CliError(`cannot open the PostgreSQL store: ${error instanceof Error ? error.message : String(error)}`);
  }
}

export function readJsonFile(cwd: string, path: string): unknown {
  const fullPath = resolve(cwd, path);
  let text: string;
  try {
    text = readFileSync(fullPath, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CliError(`${path} is not valid JSON: ${(error as Error).message}`);
  }
}

export function parsePositiveInteger(text: string): number {
  if (!/^[0-9]+$/.test(text) || Number(text) < 1) throw new InvalidArgumentError('expected a positive integer');
  return Number(text);
}
