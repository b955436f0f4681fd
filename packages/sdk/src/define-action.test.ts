import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { defineAction } from './define-action.ts';
import { ValidationError } from './errors.ts';
import { cursor } from './pagination/cursor.ts';
import { schema } from './schema.ts';

const input = schema.Object({ owner: schema.String(), repo: schema.String(), title: schema.String() });
const output = schema.Object({ number: schema.Integer() });

describe('defineAction', () => {
  it('returns a frozen declarative action whose request is typed by the input schema', () => {
    const action = defineAction({
      id: 'create-issue',
      name: 'Create issue',
      input,
      output,
      request: ({ owner, repo, title }) => ({ method: 'POST', path: `/repos/${owner}/${repo}/issues`, body: { title } }),
      response: (raw) => ({ number: (raw as { number: number }).number }),
    });
    assert.equal(action.kind, 'declarative');
    assert.ok(Object.isFrozen(action));
    assert.equal(action.input, input);
    assert.ok(!Object.isFrozen(input), 'schemas stay owned by TypeBox');
    assert.deepEqual(action.kind === 'declarative' && action.request({ owner: 'o', repo: 'r', title: 't' }), {
      method: 'POST',
      path: '/repos/o/r/issues',
      body: { title: 't' },
    });
  });

  it('accepts a code action', async () => {
    const action = defineAction({
      id: 'get-issue',
      name: 'Get issue',
      input,
      output,
      errors: (response) => (response.status === 422 ? new ValidationError('ERR_GITHUB_INVALID_ISSUE') : undefined),
      run: async (ctx) => {
        const response = await ctx.http.request({ method: 'GET', path: `/repos/${ctx.input.owner}/${ctx.input.repo}` });
        return { number: response.status };
      },
    });
    assert.equal(action.kind, 'code');
  });

  it('needs exactly one of request and run', () => {
    const both = { id: 'both', name: 'Both', input, output, request: () => ({ method: 'GET', path: '/' }), run: async () => ({ number: 1 }) };
    assert.throws(() => defineAction(both as never), /exactly one of request .* or run .*, not both/);
    assert.throws(() => defineAction({ id: 'neither', name: 'Neither', input, output } as never), /got neither/);
  });

  it('keeps response and pagination to declarative actions', () => {
    const code = { id: 'list', name: 'List', input, output, run: async () => ({ number: 1 }) };
    assert.throws(() => defineAction({ ...code, response: (raw: unknown) => raw } as never), /response applies to a declarative request/);
    const strategy = cursor({ cursorParam: 'after', nextCursor: () => undefined, items: () => [] });
    assert.throws(() => defineAction({ ...code, pagination: strategy } as never), /pagination applies/);
  });

  it('validates id, name and schemas', () => {
    const base = { id: 'create-issue', name: 'Create issue', input, output, request: () => ({ method: 'GET' as const, path: '/' }) };
    for (const id of ['CreateIssue', 'create_issue', '-create', 'create--issue', '', '1st']) {
      assert.throws(() => defineAction({ ...base, id }), /must be kebab-case/, id);
    }
    assert.throws(() => defineAction({ ...base, name: '' }), /name must be a non-empty string/);
    assert.throws(() => defineAction({ ...base, input: { type: 'object' } as never }), /input must be a schema/);
  });
});
