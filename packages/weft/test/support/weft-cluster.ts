import { hostname } from 'node:os';
import { join } from 'node:path';
import { envVarName } from '../../src/config.ts';
import { spawnEngine, type EngineProcess } from './engine-process.ts';

/**
 * Several `weft start` processes on one PostgreSQL database, as an operator runs them: each a
 * real child process with its own HTTP port, any of them killed and restarted at will.
 */

export interface ClusterWorker extends EngineProcess {
  /** The name its leases are held in (main.ts: `<hostname>:<pid>`). */
  workerId: string;
}

export interface Cluster {
  workers: ClusterWorker[];
  /** The next live worker in turn, as a round-robin load balancer picks. */
  next(): ClusterWorker;
  /** SIGKILL worker `index` and wait until it is gone; returns the id its leases were held in. */
  kill(index: number): Promise<string>;
  /** Start a new process in slot `index` (after a kill). */
  restart(index: number): Promise<ClusterWorker>;
  /** Everything every process wrote, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

export interface ClusterOptions {
  size: number;
  flows: string;
  databaseUrl: string;
  env?: Record<string, string>;
}

export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const workers: (ClusterWorker | undefined)[] = [];
  const outputs: (() => string)[] = [];
  let turn = 0;
  const spawnWorker = async (): Promise<ClusterWorker> => {
    const engine = await spawnEngine({
      flows: options.flows,
      // Unused: the database URL selects PostgreSQL. spawnEngine always passes a SQLite path.
      db: join(options.flows, '..', 'unused.db'),
      port: 0,
      env: { ...options.env, [envVarName('database')]: options.databaseUrl },
    });
    outputs.push(engine.output);
    return Object.assign(engine, { workerId: `${hostname()}:${engine.child.pid}` });
  };
  workers.push(...(await Promise.all(Array.from({ length: options.size }, spawnWorker))));
  const live = () => workers.filter((w): w is ClusterWorker => w !== undefined && w.child.exitCode === null && w.child.signalCode === null);

  return {
    get workers() {
      return live();
    },
    next() {
      const candidates = live();
      if (candidates.length === 0) throw new Error('no live worker');
      return candidates[turn++ % candidates.length]!;
    },
    async kill(index) {
      const worker = workers[index];
      if (!worker) throw new Error(`no worker in slot ${index}`);
      workers[index] = undefined;
      worker.child.kill('SIGKILL');
      await worker.exited;
      return worker.workerId;
    },
    async restart(index) {
      const worker = await spawnWorker();
      workers[index] = worker;
      return worker;
    },
    output: () => outputs.map((read) => read()).join('\n'),
    async stop() {
      await Promise.all(
        workers.map(async (worker) => {
          if (!worker || worker.child.exitCode !== null || worker.child.signalCode !== null) return;
          worker.child.kill('SIGCONT');
          worker.child.kill('SIGKILL');
          await worker.exited;
        }),
      );
    },
  };
}
