import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openApiJson } from './openapi-document.ts';

describe('docs/reference/openapi.json', () => {
  it('is generated from the route schemas (run `npm run gen` after changing a route)', async () => {
    const written = readFileSync(new URL('../../../../../docs/reference/openapi.json', import.meta.url), 'utf8');
    assert.equal(written, await openApiJson());
  });
});
