import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { inspect } from 'node:util';
import { open, parseEnvelope } from './envelope.ts';
import { VaultError, generateMasterKey, parseMasterKey } from './master-key.ts';
import type { MasterKey } from './master-key.ts';
import { createMemoryVaultStorage, createVault } from './vault.ts';
import { runVaultStorageContract } from './vault-storage.contract.ts';
import type { StoredSecret, Vault, VaultStorage } from './vault.ts';

const newKey = (): MasterKey => parseMasterKey(generateMasterKey());
const ringOf = (...keys: MasterKey[]) => new Map(keys.map((key) => [key.id, key]));

runVaultStorageContract('memory', createMemoryVaultStorage);

/** Runs `beforeWrite` just before each conditional (rotation) write reaches the storage: a race on demand. */
function racingStorage(inner: VaultStorage, beforeWrite: (row: { connectionId: string; name: string }) => Promise<void>): VaultStorage {
  return {
    ...inner,
    async write(secret) {
      if (secret.expectedEnvelope !== undefined) await beforeWrite(secret);
      return inner.write(secret);
    },
  };
}

/** Yields to other promises on every call, so concurrent puts really interleave with a rotation. */
function yieldingStorage(inner: VaultStorage): VaultStorage {
  return {
    read: async (...args) => (await nextTurn(), inner.read(...args)),
    write: async (...args) => (await nextTurn(), inner.write(...args)),
    delete: async (...args) => (await nextTurn(), inner.delete(...args)),
    listNames: async (...args) => (await nextTurn(), inner.listNames(...args)),
    listByKid: async (...args) => (await nextTurn(), inner.listByKid(...args)),
  };
}

async function kidsOf(storage: VaultStorage, connectionId: string): Promise<string[]> {
  const kids: string[] = [];
  for (const name of await storage.listNames(connectionId)) kids.push((await storage.read(connectionId, name) as StoredSecret).kid);
  return kids;
}

describe('createVault', () => {
  it('puts, gets, lists and removes secrets', async () => {
    const vault = createVault({ keys: { current: newKey(), previous: [] }, storage: createMemoryVaultStorage() });
    assert.equal(await vault.get('conn_shop', 'apiToken'), undefined);
    await vault.put('conn_shop', 'apiToken', 'shpat_abc');
    await vault.put('conn_shop', 'webhookSecret', 'whsec_1');
    await vault.put('conn_erp', 'password', 'hunter2');
    assert.equal(await vault.get('conn_shop', 'apiToken'), 'shpat_abc');
    await vault.put('conn_shop', 'apiToken', 'shpat_def');
    assert.equal(await vault.get('conn_shop', 'apiToken'), 'shpat_def');
    assert.deepEqual(await vault.list('conn_shop'), ['apiToken', 'webhookSecret']);
    assert.equal(await vault.remove('conn_shop', 'apiToken'), true);
    assert.equal(await vault.remove('conn_shop', 'apiToken'), false);
    assert.equal(await vault.get('conn_shop', 'apiToken'), undefined);
    assert.deepEqual(await vault.list('conn_shop'), ['webhookSecret']);
  });

  it('binds each envelope to its row', async () => {
    const storage = createMemoryVaultStorage();
    const vault = createVault({ keys: { current: newKey(), previous: [] }, storage });
    await vault.put('a:b', 'c', 'one');
    const moved = (await storage.read('a:b', 'c')) as StoredSecret;
    await storage.write({ ...moved, connectionId: 'a', name: 'b:c' });
    await assert.rejects(vault.get('a', 'b:c'), (err: unknown) => err instanceof VaultError && err.code === 'ERR_VAULT_DECRYPT');
  });

  it('seals under the current key and opens under previous ones', async () => {
    const [oldKey, currentKey] = [newKey(), newKey()];
    const storage = createMemoryVaultStorage();
    await createVault({ keys: { current: oldKey, previous: [] }, storage }).put('c', 'old', 'sealed long ago');
    const vault = createVault({ keys: { current: currentKey, previous: [oldKey] }, storage });
    await vault.put('c', 'new', 'sealed today');
    assert.equal(await vault.get('c', 'old'), 'sealed long ago');
    assert.equal((await storage.read('c', 'new'))?.kid, currentKey.id);
    assert.equal(vault.currentKeyId(), currentKey.id);
  });

  describe('rotate', () => {
    it('rewraps every secret so the new key alone opens them, leaving ciphertexts alone', async () => {
      const [oldKey, nextKey] = [newKey(), newKey()];
      const storage = createMemoryVaultStorage();
      const vault = createVault({ keys: { current: oldKey, previous: [] }, storage });
      for (let i = 0; i < 23; i += 1) await vault.put(`conn_${i % 4}`, `field_${i}`, `value ${i}`);
      const ciphertextBefore = parseEnvelope(((await storage.read('conn_1', 'field_5')) as StoredSecret).envelope).ciphertext;

      assert.deepEqual(await vault.rotate(nextKey, { batchSize: 5 }), { rewrapped: 23, skipped: 0, unreadable: [] });
      assert.equal(vault.currentKeyId(), nextKey.id);
      assert.equal(await vault.get('conn_1', 'field_5'), 'value 5', 'the rotating engine keeps opening secrets');
      assert.equal(parseEnvelope(((await storage.read('conn_1', 'field_5')) as StoredSecret).envelope).ciphertext, ciphertextBefore);

      const restarted = createVault({ keys: { current: nextKey, previous: [] }, storage });
      for (let i = 0; i < 23; i += 1) assert.equal(await restarted.get(`conn_${i % 4}`, `field_${i}`), `value ${i}`);
      assert.deepEqual(await restarted.rotate(nextKey), { rewrapped: 0, skipped: 0, unreadable: [] }, 'a second rotation has nothing to do');
    });

    it('keeps a put that lands between reading a row and rewrapping it', async () => {
      const [oldKey, nextKey] = [newKey(), newKey()];
      const inner = createMemoryVaultStorage();
      const engine = createVault({ keys: { current: oldKey, previous: [] }, storage: inner });
      await engine.put('c', 'token', 'before');
      await engine.put('c', 'other', 'untouched');
      let raced = false;
      const rotator = createVault({
        keys: { current: nextKey, previous: [oldKey] },
        storage: racingStorage(inner, async ({ name }) => {
          if (name !== 'token' || raced) return;
          raced = true;
          // An engine still sealing under the old key: the rotation must re-read and rewrap its value.
          await engine.put('c', 'token', 'during');
        }),
      });
      const result = await rotator.rotate(nextKey);
      assert.deepEqual(result, { rewrapped: 2, skipped: 0, unreadable: [] });
      assert.equal(await rotator.get('c', 'token'), 'during');
      assert.deepEqual(await kidsOf(inner, 'c'), [nextKey.id, nextKey.id]);
    });

    it('skips a row re-sealed under the new key, or deleted, while it rotates', async () => {
      const [oldKey, nextKey] = [newKey(), newKey()];
      const inner = createMemoryVaultStorage();
      await createVault({ keys: { current: oldKey, previous: [] }, storage: inner }).put('c', 'resealed', 'old value');
      await createVault({ keys: { current: oldKey, previous: [] }, storage: inner }).put('c', 'removed', 'old value');
      const rotator: Vault = createVault({
        keys: { current: oldKey, previous: [] },
        storage: racingStorage(inner, async ({ name }) => {
          if (name === 'resealed') await rotator.put('c', 'resealed', 'new value');
          if (name === 'removed') await rotator.remove('c', 'removed');
        }),
      });
      assert.deepEqual(await rotator.rotate(nextKey), { rewrapped: 0, skipped: 2, unreadable: [] });
      assert.equal(await rotator.get('c', 'resealed'), 'new value');
      assert.equal(await rotator.get('c', 'removed'), undefined, 'the rotation must not bring a deleted secret back');
    });

    it('loses nothing when puts interleave with the rotation', async () => {
      const [oldKey, nextKey] = [newKey(), newKey()];
      const storage = yieldingStorage(createMemoryVaultStorage());
      const vault = createVault({ keys: { current: oldKey, previous: [] }, storage });
      const expected = new Map<string, string>();
      for (let i = 0; i < 60; i += 1) {
        await vault.put('conn', `s${String(i).padStart(2, '0')}`, `v0-${i}`);
        expected.set(`s${String(i).padStart(2, '0')}`, `v0-${i}`);
      }
      const writers = Array.from({ length: 4 }, async (_, writer) => {
        for (let round = 1; round <= 15; round += 1) {
          const name = `s${String((writer * 15 + round * 7) % 60).padStart(2, '0')}`;
          const value = `v${round}-w${writer}`;
          expected.set(name, value);
          await vault.put('conn', name, value);
        }
      });
      const [result] = await Promise.all([vault.rotate(nextKey, { batchSize: 7 }), ...writers]);
      assert.equal(result.unreadable.length, 0);
      assert.ok(result.skipped > 0, 'the puts did not race the rotation; the test proves nothing');

      const restarted = createVault({ keys: { current: nextKey, previous: [] }, storage });
      for (const [name, value] of expected) assert.equal(await restarted.get('conn', name), value, name);
      assert.deepEqual(new Set(await kidsOf(storage, 'conn')), new Set([nextKey.id]));
    });

    it('reports rows no loaded key opens and goes on with the rest', async () => {
      const [lostKey, oldKey, nextKey] = [newKey(), newKey(), newKey()];
      const storage = createMemoryVaultStorage();
      await createVault({ keys: { current: lostKey, previous: [] }, storage }).put('c', 'a-lost', 'gone');
      await createVault({ keys: { current: oldKey, previous: [] }, storage }).put('c', 'b-kept', 'kept');
      const vault = createVault({ keys: { current: oldKey, previous: [] }, storage });
      const result = await vault.rotate(nextKey, { batchSize: 1 });
      assert.deepEqual(result, { rewrapped: 1, skipped: 0, unreadable: [{ connectionId: 'c', name: 'a-lost', kid: lostKey.id }] });
      assert.equal(await vault.get('c', 'b-kept'), 'kept');
    });

    it('rejects a batch size that is not a positive integer', async () => {
      const vault = createVault({ keys: { current: newKey(), previous: [] }, storage: createMemoryVaultStorage() });
      await assert.rejects(vault.rotate(newKey(), { batchSize: 0 }), RangeError);
    });
  });
});

describe('redaction canary', () => {
  it('never lets a secret value reach an error, an envelope or an inspected vault', async () => {
    const canary = `canary-${randomBytes(12).toString('hex')}`;
    const forms = [canary, Buffer.from(canary).toString('base64'), Buffer.from(canary).toString('hex')];
    const assertClean = (text: string, where: string) => {
      for (const form of forms) assert.ok(!text.includes(form), `the canary leaked into ${where}`);
    };
    const [oldKey, nextKey, strangerKey] = [newKey(), newKey(), newKey()];
    const storage = createMemoryVaultStorage();
    const vault = createVault({ keys: { current: oldKey, previous: [] }, storage });

    await vault.put('conn_canary', 'apiToken', canary);
    assert.equal(await vault.get('conn_canary', 'apiToken'), canary);
    assertClean(((await storage.read('conn_canary', 'apiToken')) as StoredSecret).envelope, 'the stored envelope');
    await vault.rotate(nextKey, { batchSize: 1 });
    assert.equal(await vault.get('conn_canary', 'apiToken'), canary);
    const stored = (await storage.read('conn_canary', 'apiToken')) as StoredSecret;
    assertClean(stored.envelope, 'the rotated envelope');
    assertClean(JSON.stringify(parseEnvelope(stored.envelope)), 'JSON.stringify of the envelope');

    const failures: unknown[] = [];
    const capture = async (attempt: () => unknown) => {
      try {
        await attempt();
        assert.fail('expected a failure');
      } catch (err) {
        failures.push(err);
      }
    };
    const envelope = parseEnvelope(stored.envelope);
    await capture(() => open(envelope, ringOf(nextKey), '["conn_other","apiToken"]'));
    await capture(() => open(envelope, ringOf(strangerKey), '["conn_canary","apiToken"]'));
    await capture(() => open({ ...envelope, ciphertext: Buffer.from('tampered').toString('base64') }, ringOf(nextKey), '["conn_canary","apiToken"]'));
    await capture(() => createVault({ keys: { current: strangerKey, previous: [] }, storage }).get('conn_canary', 'apiToken'));
    assert.equal(failures.length, 4);
    for (const failure of failures) {
      assert.ok(failure instanceof VaultError && failure.code === 'ERR_VAULT_DECRYPT');
      assertClean(failure.message, 'an error message');
      assertClean(String(failure.stack), 'an error stack');
      assertClean(inspect(failure, { depth: Infinity, showHidden: true }), 'an inspected error');
    }

    for (const [name, value] of [['vault', vault], ['storage', storage]] as const) {
      assertClean(inspect(value, { depth: Infinity, showHidden: true }), `util.inspect of the ${name}`);
      assertClean(JSON.stringify(value) ?? '', `JSON.stringify of the ${name}`);
    }
  });
});
