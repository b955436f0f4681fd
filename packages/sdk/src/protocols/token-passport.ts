import { createHmac } from 'node:crypto';
import type { TokenPassportAuth } from '../auth.ts';
import { PermanentError } from '../errors.ts';

/**
 * NetSuite's token-based authentication for SOAP web services: every request carries one
 * `tokenPassport` in its Header, signed with the consumer's and the token's secrets over a
 * nonce and a timestamp that NetSuite accepts only once. Pure functions, so the engine signs
 * with them, sandboxes verify with them and tests check them against a vector.
 */

export interface TokenPassportCredentials {
  account: string;
  consumerKey: string;
  consumerSecret: string;
  tokenId: string;
  tokenSecret: string;
}

export interface TokenPassportFields {
  account: string;
  consumerKey: string;
  token: string;
  nonce: string;
  /** Unix seconds. */
  timestamp: number;
}

export const TOKEN_PASSPORT_ALGORITHM = 'HMAC-SHA256';

/** base64(HMAC-SHA256(key = consumerSecret&tokenSecret, data = account&consumerKey&token&nonce&timestamp)). */
export function tokenPassportSignature(fields: TokenPassportFields, secrets: { consumerSecret: string; tokenSecret: string }): string {
  const data = [fields.account, fields.consumerKey, fields.token, fields.nonce, String(fields.timestamp)].join('&');
  return createHmac('sha256', `${secrets.consumerSecret}&${secrets.tokenSecret}`).update(data, 'utf8').digest('base64');
}

/**
 * Returns `envelope` with a signed tokenPassport as the Header's last block (a Header is added
 * when there is none). The passport declares its own namespaces, so it fits any envelope
 * whatever prefixes the connector chose.
 */
export function addTokenPassport(
  envelope: string,
  scheme: Pick<TokenPassportAuth, 'passportNamespace' | 'fieldsNamespace'>,
  credentials: TokenPassportCredentials,
  once: { nonce: string; timestamp: number },
): string {
  if (!/^[A-Za-z0-9]{6,64}$/.test(once.nonce)) {
    // NetSuite refuses a nonce with special characters; a wrong one here is our bug, not the vendor's.
    throw new TypeError('addTokenPassport: the nonce must be 6 to 64 letters and digits');
  }
  const fields: TokenPassportFields = {
    account: credentials.account,
    consumerKey: credentials.consumerKey,
    token: credentials.tokenId,
    nonce: once.nonce,
    timestamp: Math.floor(once.timestamp),
  };
  const signature = tokenPassportSignature(fields, credentials);
  const passport =
    `<tp:tokenPassport xmlns:tp="${escapeXml(scheme.passportNamespace)}" xmlns:tpc="${escapeXml(scheme.fieldsNamespace)}">` +
    `<tpc:account>${escapeXml(fields.account)}</tpc:account>` +
    `<tpc:consumerKey>${escapeXml(fields.consumerKey)}</tpc:consumerKey>` +
    `<tpc:token>${escapeXml(fields.token)}</tpc:token>` +
    `<tpc:nonce>${fields.nonce}</tpc:nonce>` +
    `<tpc:timestamp>${fields.timestamp}</tpc:timestamp>` +
    `<tpc:signature algorithm="${TOKEN_PASSPORT_ALGORITHM}">${signature}</tpc:signature>` +
    `</tp:tokenPassport>`;
  return insertHeaderBlock(envelope, passport);
}

function insertHeaderBlock(envelope: string, block: string): string {
  const root = /<([A-Za-z_][\w.-]*:)?Envelope[\s>/]/.exec(envelope);
  if (root === null) throw notEnvelope();
  const prefix = root[1] ?? '';
  const afterRoot = root.index + root[0].length;
  if (new RegExp(`<(?:[A-Za-z_][\\w.-]*:)?tokenPassport[\\s>/]`).test(envelope)) {
    throw new PermanentError('ERR_TOKEN_PASSPORT_TWICE', { message: 'The request already carries a tokenPassport; NetSuite refuses a request with two.' });
  }
  const name = escapeRegExp(prefix);
  const emptyHeader = new RegExp(`<${name}Header(\\s[^>]*)?/>`).exec(envelope.slice(afterRoot));
  if (emptyHeader !== null) {
    const at = afterRoot + emptyHeader.index;
    return `${envelope.slice(0, at)}<${prefix}Header${emptyHeader[1] ?? ''}>${block}</${prefix}Header>${envelope.slice(at + emptyHeader[0].length)}`;
  }
  const headerEnd = envelope.indexOf(`</${prefix}Header>`, afterRoot);
  if (headerEnd >= 0) return `${envelope.slice(0, headerEnd)}${block}${envelope.slice(headerEnd)}`;
  const body = new RegExp(`<${name}Body[\\s>/]`).exec(envelope.slice(afterRoot));
  if (body === null) throw notEnvelope();
  const at = afterRoot + body.index;
  return `${envelope.slice(0, at)}<${prefix}Header>${block}</${prefix}Header>${envelope.slice(at)}`;
}

function notEnvelope(): PermanentError {
  return new PermanentError('ERR_TOKEN_PASSPORT_NOT_ENVELOPE', { message: 'Token-based authentication signs SOAP envelopes, and the request body is not one.' });
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
