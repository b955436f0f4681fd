import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { VaultError, generateMasterKey, loadMasterKeys, parseMasterKey, toKeyring } from './master-key.ts';

const noFiles = {
  readFile: (path: string): string => {
    throw Object.assign(new Error(`no file ${path}`), { code: 'ENOENT' });
  },
  fileMode: () => undefined,
};

function assertVaultError(fn: () => unknown, code: string, secret?: string): VaultError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof VaultError, `expected a VaultError, got ${String(caught)}`);
  assert.equal(caught.code, code);
  if (secret !== undefined) {
    assert.ok(!caught.message.includes(secret), 'the message repeats the key');
    assert.ok(!inspect(caught).includes(secret), 'the inspected error repeats the key');
  }
  return caught;
}

describe('loadMasterKeys', () => {
  it('loads WEFT_MASTER_KEY with or without the base64: prefix, with the id from SHA-256', () => {
    const bytes = randomBytes(32);
    const expectedId = createHash('sha256').update(bytes).digest('hex').slice(0, 8);
    for (const text of [bytes.toString('base64'), `base64:${bytes.toString('base64')}`, ` ${bytes.toString('base64url')}\n`]) {
      const keys = loadMasterKeys({ env: { WEFT_MASTER_KEY: text }, ...noFiles });
      assert.equal(keys.current.id, expectedId);
      assert.match(keys.current.id, /^[0-9a-f]{8}$/);
      assert.deepEqual(keys.previous, []);
      assert.deepEqual(keys.warnings, []);
    }
  });

  it('never shows key material when the keys are inspected or serialised', () => {
    const text = generateMasterKey();
    const encoded = text.slice('base64:'.length);
    const keys = loadMasterKeys({ env: { WEFT_MASTER_KEY: text }, ...noFiles });
    const hex = Buffer.from(encoded, 'base64').toString('hex');
    for (const rendering of [inspect(keys, { depth: Infinity, showHidden: true }), JSON.stringify(keys)]) {
      assert.ok(!rendering.includes(encoded) && !rendering.includes(hex));
    }
  });

  it('reads WEFT_MASTER_KEY_FILE and warns when group or others can read it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'weft-key-'));
    try {
      const path = join(dir, 'master.key');
      const text = generateMasterKey();
      writeFileSync(path, `${text}\n`);
      chmodSync(path, 0o600);
      const strict = loadMasterKeys({ env: { WEFT_MASTER_KEY_FILE: path } });
      assert.equal(strict.current.id, parseMasterKey(text).id);
      if (process.platform !== 'win32') {
        assert.deepEqual(strict.warnings, []);
        chmodSync(path, 0o644);
        const loose = loadMasterKeys({ env: { WEFT_MASTER_KEY_FILE: path } });
        assert.equal(loose.warnings.length, 1);
        assert.match(loose.warnings[0] ?? '', /readable by group or others \(mode 0644\)/);
        assert.ok(!(loose.warnings[0] ?? '').includes(text.slice(7)));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names an unreadable key file without failing silently', () => {
    const error = assertVaultError(() => loadMasterKeys({ env: { WEFT_MASTER_KEY_FILE: '/nonexistent/master.key' }, ...noFiles }), 'ERR_VAULT_NO_MASTER_KEY');
    assert.match(error.message, /\/nonexistent\/master\.key.*ENOENT/);
  });

  it('loads the rotation window from WEFT_MASTER_KEY_PREVIOUS and its file, without duplicates', () => {
    const [current, old1, old2] = [generateMasterKey(), generateMasterKey(), generateMasterKey()];
    const keys = loadMasterKeys({
      env: {
        WEFT_MASTER_KEY: current,
        WEFT_MASTER_KEY_PREVIOUS: `${old1}, ${current}`,
        WEFT_MASTER_KEY_PREVIOUS_FILE: '/keys/previous',
      },
      readFile: (path) => (path === '/keys/previous' ? `${old2}\n${old1}\n` : ''),
      fileMode: () => 0o100600,
    });
    assert.deepEqual(
      keys.previous.map((key) => key.id),
      [parseMasterKey(old1).id, parseMasterKey(old2).id],
    );
    assert.deepEqual([...toKeyring(keys).keys()], [parseMasterKey(current).id, parseMasterKey(old1).id, parseMasterKey(old2).id]);
  });

  it('asks for a key when none is set, counting blank values as unset', () => {
    assertVaultError(() => loadMasterKeys({ env: {}, ...noFiles }), 'ERR_VAULT_NO_MASTER_KEY');
    assertVaultError(() => loadMasterKeys({ env: { WEFT_MASTER_KEY: '  ' }, ...noFiles }), 'ERR_VAULT_NO_MASTER_KEY');
  });

  it('refuses both a key and a key file', () => {
    const error = assertVaultError(
      () => loadMasterKeys({ env: { WEFT_MASTER_KEY: generateMasterKey(), WEFT_MASTER_KEY_FILE: '/k' }, ...noFiles }),
      'ERR_VAULT_BAD_MASTER_KEY',
    );
    assert.match(error.message, /not both/);
  });

  it('rejects keys of the wrong length or encoding without repeating them', () => {
    const hexKey = randomBytes(32).toString('hex');
    const short = randomBytes(16).toString('base64');
    const long = randomBytes(33).toString('base64');
    const notBase64 = 'correct horse battery staple!!';
    for (const bad of [hexKey, short, long, notBase64, 'base64:']) {
      assertVaultError(() => loadMasterKeys({ env: { WEFT_MASTER_KEY: bad }, ...noFiles }), 'ERR_VAULT_BAD_MASTER_KEY', bad === 'base64:' ? undefined : bad);
    }
    const error = assertVaultError(() => parseMasterKey(hexKey, 'WEFT_MASTER_KEY'), 'ERR_VAULT_BAD_MASTER_KEY', hexKey);
    assert.match(error.message, /WEFT_MASTER_KEY decodes to 48 bytes; expected 32/);
  });

  it('names the bad entry of WEFT_MASTER_KEY_PREVIOUS', () => {
    const bad = randomBytes(20).toString('base64');
    const error = assertVaultError(
      () => loadMasterKeys({ env: { WEFT_MASTER_KEY: generateMasterKey(), WEFT_MASTER_KEY_PREVIOUS: `${generateMasterKey()},${bad}` }, ...noFiles }),
      'ERR_VAULT_BAD_MASTER_KEY',
      bad,
    );
    assert.match(error.message, /^WEFT_MASTER_KEY_PREVIOUS entry 2 /);
  });
});

describe('generateMasterKey', () => {
  it('makes a fresh loadable key each time', () => {
    const first = generateMasterKey();
    const second = generateMasterKey();
    assert.match(first, /^base64:[A-Za-z0-9+/]{43}=$/);
    assert.notEqual(first, second);
    assert.notEqual(parseMasterKey(first).id, parseMasterKey(second).id);
  });

  it('draws from the injected source', () => {
    const fixed = generateMasterKey((size) => Buffer.alloc(size, 7));
    assert.equal(fixed, `base64:${Buffer.alloc(32, 7).toString('base64')}`);
  });
});
