import { isSet, loadMasterKeys, VaultError } from './master-key.ts';
import { createVault, type Vault, type VaultStorage } from './vault.ts';

/**
 * A vault that re-reads its master keys when a secret will not open, then tries once more.
 * This is what lets `weft vault rotate` run while the engine serves: rotation re-wraps rows
 * under the new key, and the engine finds that key in WEFT_MASTER_KEY_FILE on its next read
 * (ADR-0007: rotate with key files for zero failed calls). With key files it also re-reads
 * them before each put: a secret sealed under the key loaded at start after the file named a
 * new one (a refreshed OAuth token during a rotation) would land under the key being retired,
 * behind the rotation, and be lost when that key is dropped.
 */
export function createReloadingVault(storage: VaultStorage, env: Record<string, string | undefined>, initial: Vault): Vault {
  let current = initial;
  const reload = () => (current = createVault({ keys: loadMasterKeys({ env }), storage }));
  const withReload = async <T>(use: (vault: Vault) => Promise<T>): Promise<T> => {
    try {
      return await use(current);
    } catch (error) {
      if (!(error instanceof VaultError) || error.code !== 'ERR_VAULT_DECRYPT') throw error;
      return use(reload());
    }
  };
  const hasKeyFiles = isSet(env.WEFT_MASTER_KEY_FILE) || isSet(env.WEFT_MASTER_KEY_PREVIOUS_FILE);
  return {
    put: (connectionId, name, value) => {
      if (hasKeyFiles) {
        try {
          reload();
        } catch {
          // A file caught mid-write: the keys loaded last are the best there are.
        }
      }
      return current.put(connectionId, name, value);
    },
    get: (connectionId, name) => withReload((vault) => vault.get(connectionId, name)),
    remove: (connectionId, name) => current.remove(connectionId, name),
    list: (connectionId) => current.list(connectionId),
    rotate: (newKey, options) => current.rotate(newKey, options),
    currentKeyId: () => current.currentKeyId(),
  };
}
