import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { diffLines, foldUnchanged, prettyJson } from './json-diff.ts';

describe('json diff', () => {
  it('marks a changed value as one removed and one added line, in place', () => {
    const before = prettyJson({ id: 7, lines: [{ sku: 'ABC-9', quantity: 1 }] });
    const after = prettyJson({ id: 7, lines: [{ sku: 'CAP-BLACK', quantity: 1 }] });
    const changed = diffLines(before, after).filter((line) => line.kind !== 'same');
    assert.deepEqual(changed, [
      { kind: 'removed', text: '      "sku": "ABC-9",' },
      { kind: 'added', text: '      "sku": "CAP-BLACK",' },
    ]);
  });

  it('finds insertions in the middle without reporting the lines after them', () => {
    const diff = diffLines('a\nb\nc\nd', 'a\nb\nx\ny\nc\nd');
    assert.deepEqual(diff.map((l) => `${l.kind[0]}${l.text}`), ['sa', 'sb', 'ax', 'ay', 'sc', 'sd']);
  });

  it('reports identical documents as unchanged', () => {
    const text = prettyJson({ a: [1, 2, 3] });
    assert.ok(diffLines(text, text).every((line) => line.kind === 'same'));
  });

  it('folds long unchanged stretches but keeps context around each change', () => {
    const before = Array.from({ length: 20 }, (_, i) => `line ${i}`).join('\n');
    const after = before.replace('line 10', 'line ten');
    const rows = foldUnchanged(diffLines(before, after), 2);
    assert.deepEqual(rows[0], { kind: 'skipped', count: 8 });
    assert.deepEqual(rows.slice(1, 7).map((r) => r.kind), ['same', 'same', 'removed', 'added', 'same', 'same']);
    assert.deepEqual(rows[7], { kind: 'skipped', count: 7 });
  });
});
