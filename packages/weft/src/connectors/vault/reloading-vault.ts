import { loadMasterKeys, VaultError } from './master-key.ts';
import { createVault, type Vault, type VaultStorage } from './vault.ts';

/**
 * A vault that re-reads its master keys when a secret will not open, then tries once more.
 * This is what lets `weft vault rotate` run while the engine serves: rotation re-wraps rows
 * under the new key, and the engine finds that key in WEFT_MASTER_KEY_FILE on its next read
 * (ADR-0007: rotate with key files for zero failed calls).
 */
export function createReloadingVault(storage: VaultStorage, env: Record<string, string | undefined>, initial: Vault): Vault {
  let current = initial;
  const withReload = async <T>(use: (vault: Vault) => Promise<T>): Promise<T> => {
    try {
      return await use(current);
    } catch (error) {
      if (!(error instanceof VaultError) || error.code !== 'ERR_VAULT_DECRYPT') throw error;
      current = createVault({ keys: loadMasterKeys({ env }), storage });
      return use(current);
    }
  };
  return {
    put: (connectionId, name, value) => current.put(connectionId, name, value),
    get: (connectionId, name) => withReload((vault) => vault.get(connectionId, name)),
    remove: (connectionId, name) => current.remove(connectionId, name),
    list: (connectionId) => current.list(connectionId),
    rotate: (newKey, options) => current.rotate(newKey, options),
    currentKeyId: () => current.currentKeyId(),
  };
}
