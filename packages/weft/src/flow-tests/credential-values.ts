import { FLOW_SECRETS, openVault } from '../connectors/vault/open-vault.ts';
import type { Store } from '../store/store.ts';
import { RecordError } from './record-run.ts';

/**
 * Every secret value the store's vault holds: each connection's credentials and the flow
 * secrets. A recording is scrubbed of them. When there are secrets but no master key to read
 * them, nothing can be checked, so recording is refused rather than risked.
 */
export async function readCredentialValues(store: Store, env: Record<string, string | undefined>): Promise<string[]> {
  const owners = [FLOW_SECRETS, ...(await store.connections.list()).map((connection) => connection.id)];
  const opened = openVault(store.secrets, env);
  const values: string[] = [];
  for (const owner of owners) {
    const names = await store.secrets.listNames(owner);
    if (names.length === 0) continue;
    if (!opened.isAvailable) {
      throw new RecordError('the vault holds secrets but no master key is set (WEFT_MASTER_KEY), so the recording cannot be checked for them; nothing was written');
    }
    for (const name of names) {
      const value = await opened.vault.get(owner, name);
      if (value !== undefined) values.push(value);
    }
  }
  return values;
}
