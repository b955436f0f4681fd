import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createOutput, formatTable, formatTime } from './output.ts';

function streams(isTTY: boolean, env: Record<string, string> = {}) {
  const out = { stdout: '', stderr: '' };
  const output = createOutput({
    stdout: { write: (text: string) => (out.stdout += text), isTTY },
    stderr: { write: (text: string) => (out.stderr += text), isTTY },
    env,
    cwd: '.',
  });
  return { output, out };
}

describe('output', () => {
  it('aligns columns, cuts long cells and flattens newlines', () => {
    const lines = formatTable(
      [
        { id: 'a', note: 'first\nline' },
        { id: 'bbbb', note: 'x'.repeat(20) },
      ],
      [
        { header: 'id', value: (row) => row.id },
        { header: 'note', value: (row) => row.note, maxWidth: 10 },
      ],
    );
    assert.deepEqual(lines, ['ID    NOTE', 'a     first line', 'bbbb  xxxxxxxxx…']);
  });

  it('colours only a terminal, and never with NO_COLOR', () => {
    assert.equal(streams(true).output.style('red', 'x'), '\u001b[31mx\u001b[39m');
    assert.equal(streams(false).output.style('red', 'x'), 'x');
    assert.equal(streams(true, { NO_COLOR: '1' }).output.style('red', 'x'), 'x');
  });

  it('draws progress on stderr only when it is a terminal', () => {
    const piped = streams(false);
    const quiet = piped.output.progress(2, 'replaying');
    quiet.tick();
    quiet.done();
    assert.equal(piped.out.stderr, '');

    const terminal = streams(true);
    const bar = terminal.output.progress(2, 'replaying');
    bar.tick();
    assert.match(terminal.out.stderr, /\rreplaying \[#{15}\.{15}\] 1\/2$/);
    assert.equal(terminal.out.stdout, '');
  });

  it('shows times as ISO UTC', () => {
    assert.equal(formatTime(Date.UTC(2026, 0, 2, 3, 4, 5, 6)), '2026-01-02T03:04:05.006Z');
    assert.equal(formatTime(null), '-');
  });
});
