import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { runWeft, tempDir } from '../testing.ts';

describe('weft schema', () => {
  it('prints the flow JSON Schema as JSON on stdout', async () => {
    const result = await runWeft(['schema'], { cwd: tempDir() });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, '');
    const schema = JSON.parse(result.stdout);
    assert.equal(schema.title, 'Weft flow');
    assert.deepEqual(schema.required, ['id', 'trigger', 'steps']);
    assert.equal(schema.additionalProperties, false);
  });

  it('is what docs/reference/flow.schema.json holds (run `npm run gen` after changing the flow schema)', async () => {
    const result = await runWeft(['schema'], { cwd: tempDir() });
    assert.equal(readFileSync(new URL('../../../../../docs/reference/flow.schema.json', import.meta.url), 'utf8'), result.stdout);
  });
});
