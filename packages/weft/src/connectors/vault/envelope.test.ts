import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { open, parseEnvelope, rewrap, seal } from './envelope.ts';
import type { Envelope } from './envelope.ts';
import { VaultError, generateMasterKey, parseMasterKey } from './master-key.ts';
import type { MasterKey } from './master-key.ts';

const newKey = (): MasterKey => parseMasterKey(generateMasterKey());
const ringOf = (...keys: MasterKey[]) => new Map(keys.map((key) => [key.id, key]));
const AAD = '["conn_shop","apiToken"]';

function assertDecryptError(fn: () => unknown, pattern?: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof VaultError);
    assert.equal(err.code, 'ERR_VAULT_DECRYPT');
    if (pattern !== undefined) assert.match(err.message, pattern);
    return true;
  });
}

/** Flips one bit of a base64 field at `byteIndex`. */
function flip(field: string, byteIndex: number): string {
  const bytes = Buffer.from(field, 'base64');
  bytes[byteIndex] = (bytes[byteIndex] ?? 0) ^ 0x01;
  return bytes.toString('base64');
}

describe('seal / open', () => {
  it('round-trips strings and bytes', () => {
    const key = newKey();
    assert.equal(open(seal('shpat_123 ünïcode', key, AAD), ringOf(key), AAD).toString('utf8'), 'shpat_123 ünïcode');
    const bytes = randomBytes(1000);
    assert.deepEqual(open(seal(bytes, key, AAD), ringOf(key), AAD), bytes);
    assert.equal(open(seal('', key, AAD), ringOf(key), AAD).length, 0);
  });

  it('writes a JSON-serialisable v1 envelope naming the key, with no plaintext in it', () => {
    const key = newKey();
    const plaintext = 'sk_live_do-not-leak-0123456789';
    const envelope = seal(plaintext, key, AAD);
    assert.deepEqual(Object.keys(envelope), ['v', 'kid', 'wrappedKey', 'iv', 'tag', 'ciphertext']);
    assert.equal(envelope.v, 1);
    assert.equal(envelope.kid, key.id);
    assert.equal(Buffer.from(envelope.wrappedKey, 'base64').length, 60);
    assert.equal(Buffer.from(envelope.iv, 'base64').length, 12);
    assert.equal(Buffer.from(envelope.tag, 'base64').length, 16);
    const json = JSON.stringify(envelope);
    assert.deepEqual(parseEnvelope(json), envelope);
    for (const form of [plaintext, Buffer.from(plaintext).toString('base64'), Buffer.from(plaintext).toString('hex')]) {
      assert.ok(!json.includes(form), `the envelope contains the plaintext as ${form}`);
    }
  });

  it('draws a fresh data key and fresh ivs for every seal', () => {
    const key = newKey();
    const sealed = Array.from({ length: 50 }, () => seal('same value', key, AAD));
    const distinct = (field: keyof Envelope) => new Set(sealed.map((envelope) => envelope[field])).size;
    assert.equal(distinct('iv'), 50);
    assert.equal(distinct('ciphertext'), 50);
    assert.equal(new Set(sealed.map((envelope) => Buffer.from(envelope.wrappedKey, 'base64').subarray(0, 12).toString('hex'))).size, 50);
  });

  it('takes its randomness from the injected source', () => {
    const key = newKey();
    const requested: number[] = [];
    const envelope = seal('x', key, AAD, (size) => {
      requested.push(size);
      return Buffer.alloc(size, requested.length);
    });
    assert.deepEqual(requested, [32, 12, 12]);
    assert.equal(envelope.iv, Buffer.alloc(12, 2).toString('base64'));
    assert.equal(open(envelope, ringOf(key), AAD).toString(), 'x');
  });

  it('rejects an altered ciphertext, tag, iv, wrapped key or kid', () => {
    const key = newKey();
    const envelope = seal('a secret worth stealing', key, AAD);
    const ring = ringOf(key);
    assertDecryptError(() => open({ ...envelope, ciphertext: flip(envelope.ciphertext, 3) }, ring, AAD), /failed authentication/);
    assertDecryptError(() => open({ ...envelope, tag: flip(envelope.tag, 0) }, ring, AAD), /failed authentication/);
    assertDecryptError(() => open({ ...envelope, iv: flip(envelope.iv, 11) }, ring, AAD), /failed authentication/);
    for (const byteIndex of [0, 20, 59]) {
      assertDecryptError(() => open({ ...envelope, wrappedKey: flip(envelope.wrappedKey, byteIndex) }, ring, AAD), /data key .* failed authentication/);
    }
    assertDecryptError(() => open({ ...envelope, tag: Buffer.alloc(8).toString('base64') }, ring, AAD), /tag is 8 bytes/);
    assertDecryptError(() => open({ ...envelope, wrappedKey: envelope.wrappedKey.slice(0, 40) }, ring, AAD), /wrappedKey is 30 bytes/);
  });

  it('rejects a wrapped key moved from another envelope', () => {
    const key = newKey();
    const one = seal('one', key, AAD);
    const two = seal('two', key, AAD);
    assertDecryptError(() => open({ ...one, wrappedKey: two.wrappedKey }, ringOf(key), AAD));
  });

  it('rejects the envelope when opened for another row', () => {
    const key = newKey();
    const envelope = seal('secret', key, AAD);
    assertDecryptError(() => open(envelope, ringOf(key), '["conn_shop","apiSecret"]'), /another row/);
    assertDecryptError(() => open(envelope, ringOf(key), ''));
  });

  it('names the missing master key when the kid is unknown', () => {
    const [key, other] = [newKey(), newKey()];
    const envelope = seal('secret', key, AAD);
    assertDecryptError(() => open(envelope, ringOf(other), AAD), new RegExp(`master key ${key.id}, which is not loaded \\(loaded: ${other.id}\\)`));
    // A kid forged to point at another loaded key still fails: the wrapping is bound to its key.
    assertDecryptError(() => open({ ...envelope, kid: other.id }, ringOf(key, other), AAD));
  });
});

describe('rewrap', () => {
  it('moves the data key to the new master key and leaves the ciphertext alone', () => {
    const [oldKey, nextKey] = [newKey(), newKey()];
    const envelope = seal('the value', oldKey, AAD);
    const rewrapped = rewrap(envelope, ringOf(oldKey), nextKey);
    assert.equal(rewrapped.kid, nextKey.id);
    assert.equal(rewrapped.ciphertext, envelope.ciphertext);
    assert.equal(rewrapped.iv, envelope.iv);
    assert.equal(rewrapped.tag, envelope.tag);
    assert.notEqual(rewrapped.wrappedKey, envelope.wrappedKey);
    assert.equal(open(rewrapped, ringOf(nextKey), AAD).toString(), 'the value');
    assertDecryptError(() => open(rewrapped, ringOf(oldKey), AAD), /not loaded/);
  });

  it('refuses to rewrap what it cannot unwrap', () => {
    const [oldKey, nextKey] = [newKey(), newKey()];
    const envelope = seal('the value', oldKey, AAD);
    assertDecryptError(() => rewrap(envelope, ringOf(nextKey), nextKey), /not loaded/);
    assertDecryptError(() => rewrap({ ...envelope, wrappedKey: flip(envelope.wrappedKey, 30) }, ringOf(oldKey), nextKey));
  });
});

describe('parseEnvelope', () => {
  it('rejects text that is not a v1 envelope', () => {
    const valid = JSON.stringify(seal('x', newKey(), AAD));
    for (const bad of ['not json', 'null', '[]', JSON.stringify({ ...JSON.parse(valid), v: 2 }), JSON.stringify({ ...JSON.parse(valid), tag: 5 })]) {
      assertDecryptError(() => parseEnvelope(bad), /envelope/);
    }
  });

  it('keeps only the envelope fields', () => {
    const envelope = seal('x', newKey(), AAD);
    assert.deepEqual(parseEnvelope(JSON.stringify({ ...envelope, extra: 'ignored' })), envelope);
  });
});
