import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseYamlSource } from './yaml-source.ts';

const TEXT = [
  'id: x', //                                  1
  'steps:', //                                 2
  '  - id: a', //                              3
  '    map: |', //                             4
  '      {', //                                5
  '        "a": b', //                         6
  '      }', //                                7
  '  - id: b', //                              8
  '    map: >-', //                            9
  '      first', //                            10
  '      second', //                           11
  '  - id: c', //                              12
  '    map: plain', //                         13
  '      continued', //                        14
  '  - id: d', //                              15
  '    map: "quoted text"', //                 16
  '    call:', //                              17
  '      url: x', //                           18
  '',
].join('\n');

describe('parseYamlSource', () => {
  const source = parseYamlSource(TEXT);

  it('parses the document', () => {
    assert.deepEqual(source.syntaxErrors, []);
    assert.equal((source.value as { steps: Array<{ map: string }> }).steps[0]?.map, '{\n  "a": b\n}\n');
  });

  it('locates keys, values and missing keys', () => {
    assert.deepEqual(source.locate({ path: ['steps', 0, 'map'], isAtKey: true }), { line: 4, column: 5 });
    assert.deepEqual(source.locate({ path: ['steps', 1, 'id'] }), { line: 8, column: 9 });
    assert.deepEqual(source.locate({ path: ['steps', 3, 'call', 'method'] }), { line: 17, column: 5 });
    assert.deepEqual(source.locate({ path: ['steps', 2] }), { line: 12, column: 5 });
  });

  it('maps offsets inside literal, folded, plain and quoted scalars', () => {
    assert.deepEqual(source.locate({ path: ['steps', 0, 'map'], offset: 9 }), { line: 6, column: 14 });
    assert.deepEqual(source.locate({ path: ['steps', 1, 'map'], offset: 7 }), { line: 11, column: 8 });
    assert.deepEqual(source.locate({ path: ['steps', 2, 'map'], offset: 8 }), { line: 14, column: 9 });
    assert.deepEqual(source.locate({ path: ['steps', 3, 'map'], offset: 7 }), { line: 16, column: 18 });
  });

  it('maps offsets past escapes, doubled quotes and folded lines to the character they came from', () => {
    const scalars = [
      String.raw`"\"@\\@\n@\t@\ @\/@\0@\N@\_@\L@\P@"`,
      String.raw`"\u00e9@\xe9@\U0001F600@ raw 😀@"`,
      `'it''s @ ''@'''`,
      '"folded  \n   @ line\n\n  @ after an empty line"',
      '"joined \\\n   @ by an escaped break\\\n\n  @ and an empty line"',
      "'@ folded\r\n  @ across a CRLF'",
      'plain @\n  continued @\n\n  @ after an empty line',
    ];
    for (const scalar of scalars) {
      const text = `map: ${scalar}\n`;
      const parsed = parseYamlSource(text);
      const value = (parsed.value as { map: string }).map;
      const lines = text.split(/\r?\n/);
      const markers = [...value.matchAll(/@/g)].map((match) => match.index);
      assert.ok(markers.length > 1, scalar);
      for (const offset of markers) {
        const { line, column } = parsed.locate({ path: ['map'], offset });
        assert.equal(lines[line - 1]?.[column - 1], '@', `${scalar}: the @ at offset ${offset} is located at ${line}:${column}`);
      }
    }
  });

  it('reports syntax errors with positions', () => {
    const broken = parseYamlSource('a: 1\na: 2\n');
    assert.equal(broken.value, undefined);
    assert.deepEqual(broken.syntaxErrors.map((error) => [error.line, error.column]), [[2, 1]]);
    assert.match(broken.syntaxErrors[0]?.message ?? '', /unique/);
  });
});
