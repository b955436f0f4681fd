import { createHash, createSecretKey, randomBytes as cryptoRandomBytes } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';

/**
 * Master keys wrap the per-secret data keys (ADR-0007). The key material lives only inside a
 * `KeyObject`, which `util.inspect`, `JSON.stringify` and loggers render without it, so passing
 * a `MasterKey` around cannot leak it by accident.
 */
export interface MasterKey {
  /** First 8 hex chars of SHA-256(key): names the key in envelopes and messages; not secret. */
  readonly id: string;
  readonly key: KeyObject;
}

export interface MasterKeys {
  /** Seals new secrets. */
  current: MasterKey;
  /** Still open secrets during a rotation window; never used to seal. */
  previous: MasterKey[];
}

/** Every key that may open an envelope, by id. */
export type Keyring = ReadonlyMap<string, MasterKey>;

export type VaultErrorCode = 'ERR_VAULT_NO_MASTER_KEY' | 'ERR_VAULT_BAD_MASTER_KEY' | 'ERR_VAULT_DECRYPT';

/** Messages name variables, files and key ids; never key material or secret values. */
export class VaultError extends Error {
  override readonly name = 'VaultError';
  readonly code: VaultErrorCode;

  constructor(code: VaultErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

export const MASTER_KEY_BYTES = 32;

export interface LoadMasterKeysOptions {
  env: Record<string, string | undefined>;
  readFile?: (path: string) => string;
  /** The file's mode bits, or undefined where they mean nothing (Windows). */
  fileMode?: (path: string) => number | undefined;
}

export interface LoadedMasterKeys extends MasterKeys {
  /** Problems worth an operator's attention that do not stop the engine (a readable key file). */
  warnings: string[];
}

/**
 * Reads `WEFT_MASTER_KEY` or `WEFT_MASTER_KEY_FILE` (exactly one), and the rotation window's
 * `WEFT_MASTER_KEY_PREVIOUS` (comma-separated) and/or `WEFT_MASTER_KEY_PREVIOUS_FILE`.
 * Each key is 32 bytes in base64, optionally prefixed `base64:`.
 */
export function loadMasterKeys(options: LoadMasterKeysOptions): LoadedMasterKeys {
  const { env } = options;
  const readFile = options.readFile ?? ((path: string) => readFileSync(path, 'utf8'));
  const fileMode = options.fileMode ?? defaultFileMode;
  const warnings: string[] = [];

  const fromFile = (variable: string): string => {
    const path = env[variable] as string;
    let content: string;
    try {
      content = readFile(path);
    } catch (err) {
      const reason = (err as NodeJS.ErrnoException).code ?? 'unreadable';
      throw new VaultError('ERR_VAULT_NO_MASTER_KEY', `${variable} names ${path}, which cannot be read (${reason})`);
    }
    const mode = fileMode(path);
    if (mode !== undefined && (mode & 0o077) !== 0) {
      const octal = (mode & 0o777).toString(8).padStart(4, '0');
      warnings.push(`${variable} ${path} is readable by group or others (mode ${octal}); run chmod 600 on it`);
    }
    return content;
  };

  const hasKey = isSet(env.WEFT_MASTER_KEY);
  const hasKeyFile = isSet(env.WEFT_MASTER_KEY_FILE);
  if (hasKey && hasKeyFile) {
    throw new VaultError('ERR_VAULT_BAD_MASTER_KEY', 'set WEFT_MASTER_KEY or WEFT_MASTER_KEY_FILE, not both');
  }
  if (!hasKey && !hasKeyFile) {
    throw new VaultError(
      'ERR_VAULT_NO_MASTER_KEY',
      'no master key: set WEFT_MASTER_KEY or WEFT_MASTER_KEY_FILE (create one with `weft vault generate-key`)',
    );
  }
  const current = hasKey
    ? parseMasterKey(env.WEFT_MASTER_KEY as string, 'WEFT_MASTER_KEY')
    : parseMasterKey(fromFile('WEFT_MASTER_KEY_FILE'), 'WEFT_MASTER_KEY_FILE');

  const previousSources: Array<[variable: string, text: string]> = [];
  if (isSet(env.WEFT_MASTER_KEY_PREVIOUS)) previousSources.push(['WEFT_MASTER_KEY_PREVIOUS', env.WEFT_MASTER_KEY_PREVIOUS as string]);
  if (isSet(env.WEFT_MASTER_KEY_PREVIOUS_FILE)) previousSources.push(['WEFT_MASTER_KEY_PREVIOUS_FILE', fromFile('WEFT_MASTER_KEY_PREVIOUS_FILE')]);

  const byId = new Map<string, MasterKey>([[current.id, current]]);
  const previous: MasterKey[] = [];
  for (const [variable, text] of previousSources) {
    const entries = text.split(/[,\s]+/).filter((entry) => entry !== '');
    entries.forEach((entry, index) => {
      const key = parseMasterKey(entry, `${variable} entry ${index + 1}`);
      const known = byId.get(key.id);
      if (known === undefined) {
        byId.set(key.id, key);
        previous.push(key);
      } else if (!known.key.equals(key.key)) {
        // Two different keys whose ids collide would make envelopes ambiguous; 1 in 2^32, but refuse rather than guess.
        throw new VaultError('ERR_VAULT_BAD_MASTER_KEY', `${variable} entry ${index + 1} has the same key id ${key.id} as another key but different bytes`);
      }
    });
  }
  return { current, previous, warnings };
}

/** `label` names where the text came from, for the error message; the text itself is never repeated. */
export function parseMasterKey(text: string, label = 'master key'): MasterKey {
  let encoded = text.trim();
  if (encoded.startsWith('base64:')) encoded = encoded.slice('base64:'.length);
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(encoded)) {
    throw new VaultError('ERR_VAULT_BAD_MASTER_KEY', `${label} is not base64; expected ${MASTER_KEY_BYTES} random bytes in base64 (\`weft vault generate-key\`)`);
  }
  // Node's base64 decoder also takes the URL-safe alphabet, so keys from either encoder load.
  const bytes = Buffer.from(encoded, 'base64');
  try {
    if (bytes.length !== MASTER_KEY_BYTES) {
      throw new VaultError(
        'ERR_VAULT_BAD_MASTER_KEY',
        `${label} decodes to ${bytes.length} bytes; expected ${MASTER_KEY_BYTES} random bytes in base64 (\`weft vault generate-key\` or \`openssl rand -base64 32\`)`,
      );
    }
    return toMasterKey(bytes);
  } finally {
    bytes.fill(0);
  }
}

/** `createSecretKey` copies the bytes, so the caller may zero its buffer afterwards. */
export function toMasterKey(bytes: Buffer): MasterKey {
  if (bytes.length !== MASTER_KEY_BYTES) {
    throw new VaultError('ERR_VAULT_BAD_MASTER_KEY', `a master key is ${MASTER_KEY_BYTES} bytes, not ${bytes.length}`);
  }
  return { id: createHash('sha256').update(bytes).digest('hex').slice(0, 8), key: createSecretKey(bytes) };
}

/** A new master key in the form `WEFT_MASTER_KEY` accepts. */
export function generateMasterKey(randomBytes: (size: number) => Buffer = cryptoRandomBytes): string {
  return 'base64:' + randomBytes(MASTER_KEY_BYTES).toString('base64');
}

export function toKeyring(keys: MasterKeys): Map<string, MasterKey> {
  const keyring = new Map<string, MasterKey>();
  for (const key of [keys.current, ...keys.previous]) keyring.set(key.id, key);
  return keyring;
}

export function isSet(value: string | undefined): value is string {
  return value !== undefined && value.trim() !== '';
}

function defaultFileMode(path: string): number | undefined {
  return process.platform === 'win32' ? undefined : statSync(path).mode;
}
