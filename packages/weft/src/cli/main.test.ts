import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { cliReferenceMarkdown, runCli } from './main.ts';
import { spawnWeft } from './testing.ts';

function capture(env: Record<string, string> = {}) {
  const out = { stdout: '', stderr: '' };
  const io = {
    stdout: { write: (text: string) => (out.stdout += text) },
    stderr: { write: (text: string) => (out.stderr += text) },
    env,
    cwd: tmpdir(),
    exit: () => assert.fail('only long-running commands exit the process'),
  };
  return { io, out };
}

describe('npm run weft', () => {
  it('runs in the folder npm was called from, not the repository root', async () => {
    const example = fileURLToPath(new URL('../../../../examples/order-to-cash/', import.meta.url));
    const result = spawnSync('npm', ['run', '-s', 'weft', '--', 'validate'], { cwd: example, encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^\d+ flows valid\n$/);
  });
});

describe('runCli', () => {
  it('prints help on stdout and exits 0', async () => {
    const { io, out } = capture();
    assert.equal(await runCli(['--help'], io), 0);
    assert.match(out.stdout, /^Usage: weft \[options\] \[command\]/);
  });

  it('treats an unknown command or option as a usage error: exit 2', async () => {
    const { io, out } = capture();
    assert.equal(await runCli(['frobnicate'], io), 2);
    assert.match(out.stderr, /^weft: unknown command 'frobnicate'/);
    assert.equal(await runCli(['runs', '--colour'], io), 2);
    assert.match(out.stderr, /\nweft: unknown option '--colour'/);
  });

  it('turns a failure into one line on stderr, exit 1; WEFT_DEBUG=1 adds the stack', async () => {
    const quiet = capture({ WEFT_PORT: 'many' });
    assert.equal(await runCli(['runs', '--json'], quiet.io), 1);
    assert.equal(quiet.out.stderr, 'weft: WEFT_PORT: port must be an integer from 0 to 65535; got "many"\n');
    assert.equal(quiet.out.stdout, '');

    const debug = capture({ WEFT_PORT: 'many', WEFT_DEBUG: '1' });
    assert.equal(await runCli(['runs'], debug.io), 1);
    assert.match(debug.out.stderr, /^weft: WEFT_PORT.*\nConfigError: .*\n\s+at /);
  });

  it('rejects an invalid flag value before anything starts, as a usage error (exit 2)', async () => {
    const { io, out } = capture();
    assert.equal(await runCli(['start', '--port', '99999'], io), 2);
    assert.equal(out.stderr, "weft: option '-p, --port <port>' argument '99999' is invalid. port must be an integer from 0 to 65535; got 99999\n");
    // The same value from the environment is a configuration error (exit 1).
    const fromEnv = capture({ WEFT_PORT: '99999' });
    assert.equal(await runCli(['start'], fromEnv.io), 1);
    assert.equal(fromEnv.out.stderr, 'weft: WEFT_PORT: port must be an integer from 0 to 65535; got 99999\n');
  });

  it('refuses a count that is not a positive integer, before opening anything', async () => {
    for (const args of [['backfill', 'orders', '--max-polls', 'abc'], ['backfill', 'orders', '--max-polls', '0'], ['vault', 'rotate', '--batch-size', '-5']]) {
      const { io, out } = capture();
      assert.equal(await runCli(args, io), 2, args.join(' '));
      assert.match(out.stderr, /argument '.*' is invalid\. expected a positive integer\n$/, args.join(' '));
    }
  });
});

describe('the weft binary', () => {
  it('stops quietly when the reader of its output goes away (weft schema | head -1)', async () => {
    const child = spawnWeft(['schema'], { cwd: tmpdir() });
    // Closed before the first write, so the write meets a broken pipe whatever the output's size.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const code = await new Promise((resolve) => child.on('close', resolve));
    assert.equal(stderr, '');
    assert.equal(code, 0);
  });
});

describe('docs/reference/cli.md', () => {
  it('is generated from the commands (run `npm run gen` after changing them)', () => {
    const path = new URL('../../../../docs/reference/cli.md', import.meta.url);
    assert.equal(readFileSync(path, 'utf8'), cliReferenceMarkdown());
  });
});
