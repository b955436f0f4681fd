import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateMasterKey, parseMasterKey } from './master-key.ts';
import { openVault } from './open-vault.ts';
import { createMemoryVaultStorage, createVault } from './vault.ts';

describe('a running engine’s vault during a rotation with key files', () => {
  it('seals a secret put after the key file names a new key under that key, so the rotation leaves nothing behind', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'weft-vault-'));
    try {
      const [k1, k2] = [generateMasterKey(), generateMasterKey()];
      const env = { WEFT_MASTER_KEY_FILE: join(dir, 'current.key'), WEFT_MASTER_KEY_PREVIOUS_FILE: join(dir, 'previous.key') };
      writeFileSync(env.WEFT_MASTER_KEY_FILE, k1, { mode: 0o600 });
      writeFileSync(env.WEFT_MASTER_KEY_PREVIOUS_FILE, '', { mode: 0o600 });
      const storage = createMemoryVaultStorage();
      const { vault: engine } = openVault(storage, env);
      await engine.put('shop', 'refreshToken', 'rt-0');

      // The operator names K2 current and K1 previous, then rotates (`weft vault rotate`).
      writeFileSync(env.WEFT_MASTER_KEY_FILE, k2);
      writeFileSync(env.WEFT_MASTER_KEY_PREVIOUS_FILE, k1);
      const rotated = await createVault({ keys: { current: parseMasterKey(k2), previous: [parseMasterKey(k1)] }, storage }).rotate(parseMasterKey(k2));
      assert.equal(rotated.rewrapped, 1);
      // The engine refreshes the token after the rotation passed the row.
      await engine.put('shop', 'refreshToken', 'rt-1');

      assert.equal((await storage.read('shop', 'refreshToken'))?.kid, parseMasterKey(k2).id, 'sealed under the new key');
      // K1 is dropped: the secret still opens.
      writeFileSync(env.WEFT_MASTER_KEY_PREVIOUS_FILE, '');
      assert.equal(await openVault(storage, env).vault.get('shop', 'refreshToken'), 'rt-1');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
