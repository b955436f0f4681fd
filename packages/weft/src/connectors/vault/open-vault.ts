import { loadMasterKeys, VaultError } from './master-key.ts';
import { createReloadingVault } from './reloading-vault.ts';
import { createVault, type Vault, type VaultStorage } from './vault.ts';

/** The connection id under which flow-level secrets (`${secret:NAME}`) are kept. */
export const FLOW_SECRETS = '';

export interface OpenedVault {
  vault: Vault;
  /** False when no master key is configured: every use of the vault then fails with that reason. */
  isAvailable: boolean;
  warnings: string[];
}

/**
 * The vault on the store's secret table, with the master keys from the environment. Weft runs
 * without a master key as long as nothing needs a secret; the first thing that does gets a
 * clear error instead of the engine refusing to start.
 */
export function openVault(storage: VaultStorage, env: Record<string, string | undefined>): OpenedVault {
  try {
    const keys = loadMasterKeys({ env });
    const vault = createReloadingVault(storage, env, createVault({ keys, storage }));
    return { vault, isAvailable: true, warnings: keys.warnings };
  } catch (error) {
    if (!(error instanceof VaultError) || error.code !== 'ERR_VAULT_NO_MASTER_KEY') throw error;
    const refuse = async (): Promise<never> => {
      throw error;
    };
    return {
      vault: { put: refuse, get: refuse, remove: refuse, list: refuse, rotate: refuse, currentKeyId: () => '' },
      isAvailable: false,
      warnings: [],
    };
  }
}

/** Every flow-level secret, by name, for resolving `${secret:NAME}` when flows load. */
export async function readFlowSecrets(opened: OpenedVault): Promise<Record<string, string> | undefined> {
  if (!opened.isAvailable) return undefined;
  const values: Record<string, string> = {};
  for (const name of await opened.vault.list(FLOW_SECRETS)) {
    const value = await opened.vault.get(FLOW_SECRETS, name);
    if (value !== undefined) values[name] = value;
  }
  return values;
}
