import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { VaultStorage } from './vault.ts';

/** What any `VaultStorage` must do: the in-memory one and the SQLite table run this suite. */
export function runVaultStorageContract(name: string, createStorage: () => VaultStorage | Promise<VaultStorage>): void {
  const row = (connectionId: string, name: string, kid: string, envelope = `env-${connectionId}-${name}-${kid}`) => ({ connectionId, name, kid, envelope });

  describe(`VaultStorage contract: ${name}`, () => {
    it('writes, reads, overwrites and deletes one row', async () => {
      const storage = await createStorage();
      assert.equal(await storage.read('c1', 'token'), undefined);
      assert.equal(await storage.write(row('c1', 'token', 'k1', 'first')), true);
      assert.deepEqual(await storage.read('c1', 'token'), row('c1', 'token', 'k1', 'first'));
      assert.equal(await storage.write(row('c1', 'token', 'k2', 'second')), true);
      assert.deepEqual(await storage.read('c1', 'token'), row('c1', 'token', 'k2', 'second'));
      assert.equal(await storage.delete('c1', 'token'), true);
      assert.equal(await storage.delete('c1', 'token'), false);
      assert.equal(await storage.read('c1', 'token'), undefined);
    });

    it('replaces on expectedEnvelope only while the row still holds that envelope', async () => {
      const storage = await createStorage();
      await storage.write(row('c1', 'token', 'k1', 'first'));
      assert.equal(await storage.write({ ...row('c1', 'token', 'k2', 'rewrapped'), expectedEnvelope: 'stale' }), false);
      assert.equal((await storage.read('c1', 'token'))?.envelope, 'first');
      assert.equal(await storage.write({ ...row('c1', 'token', 'k2', 'rewrapped'), expectedEnvelope: 'first' }), true);
      assert.deepEqual(await storage.read('c1', 'token'), row('c1', 'token', 'k2', 'rewrapped'));
    });

    it('never re-creates a deleted row on a conditional write', async () => {
      const storage = await createStorage();
      await storage.write(row('c1', 'token', 'k1', 'first'));
      await storage.delete('c1', 'token');
      assert.equal(await storage.write({ ...row('c1', 'token', 'k2', 'rewrapped'), expectedEnvelope: 'first' }), false);
      assert.equal(await storage.read('c1', 'token'), undefined);
    });

    it('lists one connection’s names, sorted', async () => {
      const storage = await createStorage();
      for (const [connectionId, name] of [['c1', 'b'], ['c2', 'x'], ['c1', 'a'], ['c1', 'c']] as const) await storage.write(row(connectionId, name, 'k1'));
      assert.deepEqual(await storage.listNames('c1'), ['a', 'b', 'c']);
      assert.deepEqual(await storage.listNames('c3'), []);
    });

    it('pages through rows not under a kid, in key order, after a cursor', async () => {
      const storage = await createStorage();
      const written = [row('c2', 'a', 'old'), row('c1', 'b', 'new'), row('c1', 'a', 'old'), row('c1', 'c', 'older'), row('c3', 'a', 'old')];
      for (const each of written) await storage.write(each);
      const first = await storage.listByKid('new', 2);
      assert.deepEqual(first, [row('c1', 'a', 'old'), row('c1', 'c', 'older')]);
      const second = await storage.listByKid('new', 2, { connectionId: 'c1', name: 'c' });
      assert.deepEqual(second, [row('c2', 'a', 'old'), row('c3', 'a', 'old')]);
      assert.deepEqual(await storage.listByKid('new', 2, { connectionId: 'c3', name: 'a' }), []);
    });
  });
}

