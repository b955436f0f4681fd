import type { CliContext } from './context.ts';

export interface Service {
  close(): Promise<void>;
}

export interface SignalSource {
  on(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  off(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
}

const STOP_SIGNALS: NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];

/**
 * Runs a long-lived service (`weft start`, `dev`, `demo`) until SIGTERM or SIGINT, then closes
 * it gracefully: 0 when close() finished, 1 when a second signal or `shutdownTimeoutMs` cut it
 * short. Signals are watched from the start, so a signal during startup is not lost.
 */
export async function serveUntilSignal(
  context: CliContext,
  start: () => Promise<Service>,
  options: { shutdownTimeoutMs: number; signals?: SignalSource },
): Promise<number> {
  const signals = options.signals ?? process;
  let resolveStopped!: (code: number) => void;
  const stopped = new Promise<number>((resolve) => {
    resolveStopped = resolve;
  });
  let service: Service | undefined;
  let stopRequested = false;
  let timer: NodeJS.Timeout | undefined;

  const stop = () => {
    timer = setTimeout(() => {
      context.stderr.write(`weft: in-flight work did not finish within ${options.shutdownTimeoutMs}ms; exiting\n`);
      resolveStopped(1);
    }, options.shutdownTimeoutMs);
    service!.close().then(
      () => resolveStopped(0),
      (error: unknown) => {
        context.stderr.write(`weft: shutdown failed: ${(error as Error).message}\n`);
        resolveStopped(1);
      },
    );
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopRequested) {
      context.stderr.write(`weft: ${signal} again; exiting without waiting\n`);
      resolveStopped(1);
      return;
    }
    stopRequested = true;
    context.stderr.write(`weft: ${signal} received; finishing in-flight work\n`);
    if (service) stop();
  };
  for (const signal of STOP_SIGNALS) signals.on(signal, onSignal);

  try {
    service = await start();
    if (stopRequested) stop();
    return await stopped;
  } finally {
    clearTimeout(timer);
    for (const signal of STOP_SIGNALS) signals.off(signal, onSignal);
  }
}
