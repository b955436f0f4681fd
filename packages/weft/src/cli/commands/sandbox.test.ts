import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, it } from 'node:test';
import { Command } from 'commander';
import type { CliContext } from '../context.ts';
import { sandboxCommand } from './sandbox.ts';

function cli(signals: EventEmitter) {
  let stdout = '';
  let resolveExit!: (code: number) => void;
  const exited = new Promise<number>((resolve) => {
    resolveExit = resolve;
  });
  const context: CliContext = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: () => true },
    env: {},
    cwd: '.',
    exitCode: 0,
    exit: resolveExit,
  };
  const program = new Command('weft').exitOverride().addCommand(sandboxCommand(context, { signals }));
  return { program, exited, stdout: () => stdout };
}

async function waitFor<T>(read: () => T | undefined): Promise<T> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const value = read();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('timed out');
}

describe('weft sandbox', () => {
  it('serves the Stripe sandbox, prints its URL and credentials, and stops on SIGTERM', async () => {
    const signals = new EventEmitter();
    const { program, exited, stdout } = cli(signals);
    const parsed = program.parseAsync(['sandbox', 'stripe', '--port', '0'], { from: 'user' });
    const url = await waitFor(() => /^sandbox stripe listening on (http:\/\/127\.0\.0\.1:\d+)$/m.exec(stdout())?.[1]);
    const token = /credential token: (sk_test_\S+)/.exec(stdout())?.[1];
    assert.match(stdout(), /webhook secret: whsec_/);

    const response = await fetch(`${url}/v1/customers?limit=1`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(response.status, 200);
    assert.equal(((await response.json()) as { data: unknown[] }).data.length, 1);

    signals.emit('SIGTERM', 'SIGTERM');
    assert.equal(await exited, 0);
    await parsed;
    await assert.rejects(fetch(`${url}/v1/customers`));
  });

  it('names the sandboxes there are when asked for an unknown vendor', async () => {
    const { program } = cli(new EventEmitter());
    await assert.rejects(program.parseAsync(['sandbox', 'acme'], { from: 'user' }), /no sandbox for "acme"; there are: stripe/);
  });
});
