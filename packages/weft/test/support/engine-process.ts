import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const WEFT_BIN = fileURLToPath(new URL('../../bin/weft.js', import.meta.url));

export interface EngineProcess {
  child: ChildProcess;
  url: string;
  /** Everything the process wrote, for failure messages. */
  output(): string;
  exited: Promise<number | null>;
}

/** Start `weft start` as a real child process and wait for its "listening" line. */
export async function spawnEngine(options: { flows: string; db: string; port: number; env?: Record<string, string> }): Promise<EngineProcess> {
  const child = spawn(
    process.execPath,
    [WEFT_BIN, 'start', '--flows', options.flows, '--db', options.db, '--port', String(options.port)],
    { env: { ...process.env, NO_COLOR: '1', WEFT_LOG_LEVEL: 'warn', ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`engine did not start within 30 s:\n${output}`)), 30_000);
    child.stdout!.on('data', () => {
      const match = /weft listening on (\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`engine exited with ${code} before listening:\n${output}`));
    });
  });
  return { child, url, output: () => output, exited };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export async function waitFor(predicate: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
