import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './engine-process.ts';

const run = promisify(execFile);

/**
 * A PostgreSQL server of our own, in a temp folder on a free port: a test that stops and starts
 * the server (or a benchmark that needs pg_stat_statements) must not disturb the shared one.
 * PostgreSQL refuses to run as root, so as root the server runs as the `postgres` user.
 */
export interface PrivatePostgres {
  /** postgres://weft@127.0.0.1:<port>/postgres (trust authentication, loopback only). */
  url: string;
  /** A URL for another database on this server. */
  urlFor(database: string): string;
  /** Stops the server quickly (`-m fast`: open connections are cut, as in a crash or failover). */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops the server and deletes its files. */
  destroy(): Promise<void>;
}

/** Why a private server cannot be started here, or undefined when it can. */
export function privatePostgresUnavailable(): string | undefined {
  if (binDir() === undefined) return 'PostgreSQL server binaries (initdb, pg_ctl) are not installed';
  if (userInfo().uid === 0 && !existsSync('/usr/sbin/runuser')) return 'running as root without runuser to become postgres';
  return undefined;
}

function binDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).sort((a, b) => Number(a) - Number(b));
  for (const version of versions.reverse()) {
    const dir = join(root, version, 'bin');
    if (existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'))) return dir;
  }
  return undefined;
}

export async function startPrivatePostgres(options: { settings?: Record<string, string> } = {}): Promise<PrivatePostgres> {
  const bin = binDir();
  const unavailable = privatePostgresUnavailable();
  if (bin === undefined || unavailable !== undefined) throw new Error(unavailable);
  const asRoot = userInfo().uid === 0;
  const dir = mkdtempSync(join(tmpdir(), 'weft-pg-'));
  const data = join(dir, 'data');
  if (asRoot) chownSync(dir, uidOf('postgres'), gidOf('postgres'));
  const exec = (program: string, args: string[]) =>
    asRoot ? run('/usr/sbin/runuser', ['-u', 'postgres', '--', join(bin, program), ...args]) : run(join(bin, program), args);

  await exec('initdb', ['-D', data, '-U', 'weft', '--auth=trust', '-E', 'UTF8', '--no-sync', '--no-instructions']);
  const port = await freePort();
  const settings = { listen_addresses: '127.0.0.1', port: String(port), unix_socket_directories: dir, ...options.settings };
  const serverOptions = Object.entries(settings)
    .map(([name, value]) => `-c ${name}=${value}`)
    .join(' ');
  const logFile = join(dir, 'server.log');
  const logTail = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(-2_000) : '');
  let running = false;

  const start = async () => {
    try {
      await exec('pg_ctl', ['-D', data, '-o', serverOptions, '-l', logFile, '-w', '-t', '60', 'start']);
    } catch (error) {
      throw new Error(`the private PostgreSQL did not start: ${(error as Error).message}\n${logTail()}`);
    }
    running = true;
  };
  const stop = async () => {
    if (!running) return;
    await exec('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '60', 'stop']);
    running = false;
  };
  await start();
  const urlFor = (database: string) => `postgres://weft@127.0.0.1:${port}/${database}`;
  return {
    url: urlFor('postgres'),
    urlFor,
    start,
    stop,
    async destroy() {
      await stop().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function uidOf(user: string): number {
  return Number(passwdEntry(user)[2]);
}

function gidOf(user: string): number {
  return Number(passwdEntry(user)[3]);
}

function passwdEntry(user: string): string[] {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith(`${user}:`));
  if (line === undefined) throw new Error(`no '${user}' user to run PostgreSQL as`);
  return line.split(':');
}
