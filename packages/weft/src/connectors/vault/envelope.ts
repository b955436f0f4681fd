import { createCipheriv, createDecipheriv, randomBytes as cryptoRandomBytes } from 'node:crypto';
import type { CipherKey } from 'node:crypto';
import { VaultError } from './master-key.ts';
import type { Keyring, MasterKey } from './master-key.ts';

/**
 * One secret at rest (ADR-0007): the value is encrypted under its own random data key, and the
 * data key is encrypted ("wrapped") under a master key. Rotation rewraps only the data key.
 * All binary fields are base64.
 */
export interface Envelope {
  v: 1;
  /** Id of the master key that wrapped the data key. */
  kid: string;
  /** iv (12) ‖ encrypted data key (32) ‖ tag (16). */
  wrappedKey: string;
  iv: string;
  tag: string;
  ciphertext: string;
}

export type RandomBytes = (size: number) => Buffer;

const ALGORITHM = 'aes-256-gcm';
const DATA_KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const WRAPPED_KEY_BYTES = IV_BYTES + DATA_KEY_BYTES + TAG_BYTES;

/**
 * `aad` names what the secret belongs to (its connection and field): it is authenticated, not
 * stored, so an envelope copied to another row fails to open there.
 */
export function seal(plaintext: Buffer | string, masterKey: MasterKey, aad: string, randomBytes: RandomBytes = cryptoRandomBytes): Envelope {
  const dataKey = randomBytes(DATA_KEY_BYTES);
  try {
    const iv = randomBytes(IV_BYTES);
    const content = encrypt(dataKey, iv, contentAad(aad), typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext);
    return {
      v: 1,
      kid: masterKey.id,
      wrappedKey: wrapDataKey(dataKey, masterKey, randomBytes).toString('base64'),
      iv: iv.toString('base64'),
      tag: content.tag.toString('base64'),
      ciphertext: content.ciphertext.toString('base64'),
    };
  } finally {
    dataKey.fill(0);
  }
}

/** Throws `ERR_VAULT_DECRYPT` when the key is not in the keyring or anything was altered, including the aad. */
export function open(envelope: Envelope, keyring: Keyring, aad: string): Buffer {
  const dataKey = unwrapDataKey(envelope, keyring);
  try {
    const iv = decodeField(envelope.iv, 'iv', IV_BYTES);
    const tag = decodeField(envelope.tag, 'tag', TAG_BYTES);
    const ciphertext = Buffer.from(envelope.ciphertext, 'base64');
    return decrypt(dataKey, iv, tag, contentAad(aad), ciphertext, `the secret sealed under key ${envelope.kid} failed authentication (altered, or opened for another row)`);
  } finally {
    dataKey.fill(0);
  }
}

/**
 * The same secret with its data key wrapped under `newKey`. The ciphertext is untouched, so the
 * data key still encrypts exactly one message under one iv.
 */
export function rewrap(envelope: Envelope, keyring: Keyring, newKey: MasterKey, randomBytes: RandomBytes = cryptoRandomBytes): Envelope {
  const dataKey = unwrapDataKey(envelope, keyring);
  try {
    return { ...envelope, kid: newKey.id, wrappedKey: wrapDataKey(dataKey, newKey, randomBytes).toString('base64') };
  } finally {
    dataKey.fill(0);
  }
}

/** The stored text of an envelope, checked for shape; a malformed one is as unreadable as a tampered one. */
export function parseEnvelope(json: string): Envelope {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new VaultError('ERR_VAULT_DECRYPT', 'the stored secret is not a vault envelope (invalid JSON)');
  }
  const candidate = value as Partial<Record<keyof Envelope, unknown>> | null;
  const isEnvelope =
    typeof candidate === 'object' &&
    candidate !== null &&
    candidate.v === 1 &&
    (['kid', 'wrappedKey', 'iv', 'tag', 'ciphertext'] as const).every((field) => typeof candidate[field] === 'string');
  if (!isEnvelope) {
    throw new VaultError('ERR_VAULT_DECRYPT', 'the stored secret is not a version 1 vault envelope');
  }
  const { v, kid, wrappedKey, iv, tag, ciphertext } = candidate as Envelope;
  return { v, kid, wrappedKey, iv, tag, ciphertext };
}

// Domain prefixes keep a wrapped data key and a sealed value from ever being valid in each other's place.
function contentAad(aad: string): Buffer {
  return Buffer.from(`weft-vault:v1:secret:${aad}`, 'utf8');
}

function wrapAad(kid: string): Buffer {
  return Buffer.from(`weft-vault:v1:data-key:${kid}`, 'utf8');
}

function wrapDataKey(dataKey: Buffer, masterKey: MasterKey, randomBytes: RandomBytes): Buffer {
  const iv = randomBytes(IV_BYTES);
  const { ciphertext, tag } = encrypt(masterKey.key, iv, wrapAad(masterKey.id), dataKey);
  return Buffer.concat([iv, ciphertext, tag]);
}

function unwrapDataKey(envelope: Envelope, keyring: Keyring): Buffer {
  const masterKey = keyring.get(envelope.kid);
  if (masterKey === undefined) {
    const loaded = [...keyring.keys()].join(', ');
    throw new VaultError(
      'ERR_VAULT_DECRYPT',
      `the secret is sealed under master key ${envelope.kid}, which is not loaded (loaded: ${loaded}); add it to WEFT_MASTER_KEY_PREVIOUS`,
    );
  }
  const wrapped = decodeField(envelope.wrappedKey, 'wrappedKey', WRAPPED_KEY_BYTES);
  return decrypt(
    masterKey.key,
    wrapped.subarray(0, IV_BYTES),
    wrapped.subarray(IV_BYTES + DATA_KEY_BYTES),
    wrapAad(masterKey.id),
    wrapped.subarray(IV_BYTES, IV_BYTES + DATA_KEY_BYTES),
    `the data key wrapped under master key ${envelope.kid} failed authentication (altered)`,
  );
}

function decodeField(base64: string, field: string, expectedBytes: number): Buffer {
  const bytes = Buffer.from(base64, 'base64');
  if (bytes.length !== expectedBytes) {
    throw new VaultError('ERR_VAULT_DECRYPT', `the envelope's ${field} is ${bytes.length} bytes, not ${expectedBytes}`);
  }
  return bytes;
}

function encrypt(key: CipherKey, iv: Buffer, aad: Buffer, plaintext: Buffer): { ciphertext: Buffer; tag: Buffer } {
  const cipher = createCipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { ciphertext, tag: cipher.getAuthTag() };
}

// OpenSSL's own message says nothing useful and the cause is never attached, so nothing of the input can ride along.
function decrypt(key: CipherKey, iv: Buffer, tag: Buffer, aad: Buffer, ciphertext: Buffer, failure: string): Buffer {
  try {
    const decipher = createDecipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch {
    throw new VaultError('ERR_VAULT_DECRYPT', failure);
  }
}
