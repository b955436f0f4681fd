import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FlowReferenceError, hasReferences, referenceProblems, resolveReferences } from './references.ts';

describe('references', () => {
  const env = { SHOP_SECRET: 's3cr3t-value', ERP_HOST: 'erp.test', EMPTY: '' };

  it('replaces ${env:NAME}', () => {
    assert.equal(resolveReferences('https://${env:ERP_HOST}/api?k=${env:SHOP_SECRET}', env), 'https://erp.test/api?k=s3cr3t-value');
    assert.equal(resolveReferences('no references', env), 'no references');
  });

  it('names an unset or empty variable without printing any value', () => {
    for (const name of ['MISSING', 'EMPTY']) {
      assert.throws(
        () => resolveReferences(`Bearer \${env:ERP_HOST}\${env:${name}}`, env),
        (err: unknown) =>
          err instanceof FlowReferenceError &&
          err.code === 'ERR_FLOW_UNSET_ENV' &&
          err.message.includes(name) &&
          !err.message.includes('erp.test') &&
          err.offset === 22,
      );
    }
  });

  it('resolves secret references from the vault, and names what is missing', () => {
    assert.equal(resolveReferences('Bearer ${secret:ERP_TOKEN}', env, { ERP_TOKEN: 't0k3n' }), 'Bearer t0k3n');
    assert.throws(
      () => resolveReferences('${secret:SHOP}', env),
      (err: unknown) => err instanceof FlowReferenceError && err.code === 'ERR_FLOW_SECRET_UNAVAILABLE' && err.message.includes('set WEFT_MASTER_KEY'),
      'no vault',
    );
    assert.throws(
      () => resolveReferences('${secret:SHOP}', env, { OTHER: 'x' }),
      (err: unknown) => err instanceof FlowReferenceError && err.code === 'ERR_FLOW_UNKNOWN_SECRET' && err.message.includes('weft secrets set SHOP'),
      'not in the vault',
    );
  });

  it('refuses malformed references with a suggestion', () => {
    assert.throws(() => resolveReferences('${SHOP_SECRET}', env), /write \$\{env:SHOP_SECRET\}/);
    assert.throws(() => resolveReferences('${vault:X}', env), (err: unknown) => (err as FlowReferenceError).code === 'ERR_FLOW_INVALID_REFERENCE');
    assert.throws(() => resolveReferences('${env:1X}', env), /write \$\{env:NAME\}/);
  });

  it('checks only the form when no environment is given', () => {
    assert.deepEqual(referenceProblems('${env:MISSING}'), []);
    assert.deepEqual(referenceProblems('a ${secret:X} ${env:Y}'), []);
    assert.deepEqual(
      referenceProblems('a ${secret:X} ${env:Y}', { Y: 'y' }).map((problem) => [problem.code, problem.offset, problem.length]),
      [['ERR_FLOW_SECRET_UNAVAILABLE', 2, 11]],
    );
  });

  it('detects whether text holds references', () => {
    assert.equal(hasReferences('${env:A}'), true);
    assert.equal(hasReferences('$ {env:A}'), false);
  });
});
