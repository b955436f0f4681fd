import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { CliContext } from './context.ts';
import { serveUntilSignal } from './serve.ts';

function setup(close: () => Promise<void>) {
  const signals = new EventEmitter();
  let stderr = '';
  const context: CliContext = {
    stdout: { write: () => true },
    stderr: { write: (text: string) => (stderr += text) },
    env: {},
    cwd: '.',
    exitCode: 0,
    exit: () => {},
  };
  let closes = 0;
  const service = {
    close: () => {
      closes += 1;
      return close();
    },
  };
  return { signals, context, service, closes: () => closes, stderr: () => stderr };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('serveUntilSignal', () => {
  it('closes the service on SIGTERM and answers 0', async () => {
    const s = setup(async () => {});
    const code = serveUntilSignal(s.context, async () => s.service, { shutdownTimeoutMs: 1000, signals: s.signals });
    await tick();
    assert.equal(s.closes(), 0);
    s.signals.emit('SIGTERM', 'SIGTERM');
    assert.equal(await code, 0);
    assert.equal(s.closes(), 1);
    assert.equal(s.signals.listenerCount('SIGTERM') + s.signals.listenerCount('SIGINT'), 0);
  });

  it('answers 1 on a second signal without waiting for close', async () => {
    const s = setup(() => new Promise(() => {}));
    const code = serveUntilSignal(s.context, async () => s.service, { shutdownTimeoutMs: 60_000, signals: s.signals });
    await tick();
    s.signals.emit('SIGINT', 'SIGINT');
    s.signals.emit('SIGINT', 'SIGINT');
    assert.equal(await code, 1);
    assert.equal(s.closes(), 1);
    assert.match(s.stderr(), /SIGINT again/);
  });

  it('answers 1 when close outlasts shutdownTimeoutMs', async () => {
    const s = setup(() => new Promise(() => {}));
    const code = serveUntilSignal(s.context, async () => s.service, { shutdownTimeoutMs: 20, signals: s.signals });
    await tick();
    s.signals.emit('SIGTERM', 'SIGTERM');
    assert.equal(await code, 1);
    assert.match(s.stderr(), /did not finish within 20ms/);
  });

  it('closes a service whose start was interrupted, once it has started', async () => {
    const s = setup(async () => {});
    let started!: () => void;
    const starting = new Promise<void>((resolve) => (started = resolve));
    const code = serveUntilSignal(s.context, async () => (await starting, s.service), { shutdownTimeoutMs: 1000, signals: s.signals });
    s.signals.emit('SIGTERM', 'SIGTERM');
    await tick();
    assert.equal(s.closes(), 0);
    started();
    assert.equal(await code, 0);
    assert.equal(s.closes(), 1);
  });
});
