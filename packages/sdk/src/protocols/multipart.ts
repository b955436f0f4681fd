import { randomBytes } from 'node:crypto';

/** A file part. Binary data is sent as is: no base64, no transfer encoding (RFC 7578 §4.7). */
export interface MultipartFile {
  filename: string;
  contentType: string;
  data: Uint8Array;
}

export interface MultipartPart {
  name: string;
  value: string | MultipartFile;
}

export interface EncodedMultipart {
  body: Buffer;
  /** `multipart/form-data; boundary=…`; send it as the request's content-type header. */
  contentType: string;
}

const CRLF = '\r\n';
// RFC 2046 §5.1.1 bchars, minus space so the value never needs quoting.
const BOUNDARY_PATTERN = /^[0-9A-Za-z'()+_,\-./:=?]{1,70}$/;
const MEDIA_TYPE_PATTERN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+\/[!#$%&'*+.^_`|~0-9A-Za-z-]+(?:\s*;\s*[!#$%&'*+.^_`|~0-9A-Za-z-]+=(?:[!#$%&'*+.^_`|~0-9A-Za-z-]+|"[^"\r\n\\]*"))*$/;

/**
 * Encodes `multipart/form-data` (RFC 7578), for the vendor endpoints that take an upload that
 * way. Text parts carry no content-type, which RFC 7578 reads as `text/plain` (UTF-8 here).
 *
 * Names and filenames are escaped as browsers do (WHATWG HTML: `"` as %22, CR as %0D, LF as
 * %0A) and otherwise sent as UTF-8, which is what servers in practice expect; RFC 7578 §4.2
 * advises against `filename*`.
 *
 * Without a `boundary`, a random one is chosen, and chosen again in the (astronomically
 * unlikely) case that it occurs in the data. A given boundary that occurs in the data throws,
 * because the body would be cut short where it appears.
 */
export function encodeMultipart(parts: readonly MultipartPart[], boundary?: string): EncodedMultipart {
  if (!Array.isArray(parts)) throw new TypeError('encodeMultipart: parts must be an array of { name, value }');
  const encoded = parts.map(encodePartHead);
  let chosen = boundary ?? randomBoundary();
  if (!BOUNDARY_PATTERN.test(chosen)) {
    throw new TypeError(`encodeMultipart: boundary ${JSON.stringify(chosen)} must be 1-70 characters from RFC 2046's set, without spaces`);
  }
  while (encoded.some((part) => occursIn(part.content, chosen))) {
    if (boundary !== undefined) throw new TypeError('encodeMultipart: the boundary occurs inside a part; choose another or let one be generated');
    chosen = randomBoundary();
  }
  const chunks: Buffer[] = [];
  for (const part of encoded) {
    chunks.push(Buffer.from(`--${chosen}${CRLF}${part.head}${CRLF}`, 'utf8'), part.content, Buffer.from(CRLF));
  }
  chunks.push(Buffer.from(`--${chosen}--${CRLF}`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${chosen}` };
}

function encodePartHead(part: MultipartPart, index: number): { head: string; content: Buffer } {
  if (typeof part !== 'object' || part === null || typeof part.name !== 'string' || part.name === '') {
    throw new TypeError(`encodeMultipart: part ${index} needs a non-empty name`);
  }
  const disposition = `Content-Disposition: form-data; name="${escapeQuoted(part.name)}"`;
  const { value } = part;
  if (typeof value === 'string') return { head: `${disposition}${CRLF}`, content: Buffer.from(value, 'utf8') };
  if (typeof value !== 'object' || value === null || typeof value.filename !== 'string' || !(value.data instanceof Uint8Array)) {
    throw new TypeError(`encodeMultipart: part ${JSON.stringify(part.name)} must be a string or { filename, contentType, data: Buffer }`);
  }
  if (typeof value.contentType !== 'string' || !MEDIA_TYPE_PATTERN.test(value.contentType)) {
    throw new TypeError(`encodeMultipart: part ${JSON.stringify(part.name)} has an invalid contentType ${JSON.stringify(value.contentType)}`);
  }
  return {
    head: `${disposition}; filename="${escapeQuoted(value.filename)}"${CRLF}Content-Type: ${value.contentType}${CRLF}`,
    content: Buffer.from(value.data.buffer, value.data.byteOffset, value.data.byteLength),
  };
}

function escapeQuoted(text: string): string {
  return text.replace(/"/g, '%22').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function unescapeQuoted(text: string): string {
  return text.replace(/%22/g, '"').replace(/%0D/g, '\r').replace(/%0A/g, '\n');
}

function randomBoundary(): string {
  return `----WeftFormBoundary${randomBytes(16).toString('hex')}`;
}

function occursIn(content: Buffer, boundary: string): boolean {
  return content.includes(`--${boundary}`, 0, 'utf8');
}

/**
 * Reads a `multipart/form-data` body back into parts, for sandboxes and tests that receive what
 * `encodeMultipart` (or any client) sends. Minimal on purpose: no nested multiparts and no
 * transfer encodings, which RFC 7578 forbids anyway. A part with a filename becomes a file
 * (content type defaulting to `application/octet-stream`), any other a UTF-8 string.
 */
export function parseMultipart(body: Uint8Array, contentType: string): MultipartPart[] {
  const boundary = boundaryOf(contentType);
  const data = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: MultipartPart[] = [];

  let at = data.indexOf(delimiter);
  if (at < 0) throw new TypeError('parseMultipart: the body does not contain its boundary');
  for (;;) {
    const afterDelimiter = at + delimiter.length;
    if (data.subarray(afterDelimiter, afterDelimiter + 2).toString('latin1') === '--') return parts;
    const headStart = data.indexOf(CRLF, afterDelimiter);
    if (headStart < 0) throw new TypeError('parseMultipart: truncated body');
    const headEnd = data.indexOf(`${CRLF}${CRLF}`, headStart);
    if (headEnd < 0) throw new TypeError('parseMultipart: a part has no end of headers');
    const next = data.indexOf(Buffer.from(`${CRLF}--${boundary}`), headEnd + 4);
    if (next < 0) throw new TypeError('parseMultipart: truncated body (no closing boundary)');
    parts.push(partFrom(data.subarray(headStart + 2, headEnd).toString('utf8'), data.subarray(headEnd + 4, next)));
    at = next + 2;
  }
}

function boundaryOf(contentType: string): string {
  const match = /^\s*multipart\/form-data\s*;(?:.*;)?\s*boundary=(?:"([^"]+)"|([^\s;]+))/i.exec(contentType);
  const boundary = match?.[1] ?? match?.[2];
  if (boundary === undefined) throw new TypeError(`parseMultipart: ${JSON.stringify(contentType)} is not multipart/form-data with a boundary`);
  return boundary;
}

function partFrom(head: string, content: Buffer): MultipartPart {
  const headers = new Map<string, string>();
  for (const line of head.split(CRLF)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  const disposition = headers.get('content-disposition') ?? '';
  if (!/^form-data\s*(;|$)/i.test(disposition)) throw new TypeError('parseMultipart: a part is not form-data');
  const name = parameterOf(disposition, 'name');
  if (name === undefined) throw new TypeError('parseMultipart: a part has no name');
  const filename = parameterOf(disposition, 'filename');
  if (filename === undefined) return { name, value: content.toString('utf8') };
  return {
    name,
    value: { filename, contentType: headers.get('content-type') ?? 'application/octet-stream', data: Buffer.from(content) },
  };
}

function parameterOf(disposition: string, parameter: string): string | undefined {
  const match = new RegExp(`;\\s*${parameter}="([^"]*)"`, 'i').exec(disposition);
  return match?.[1] === undefined ? undefined : unescapeQuoted(match[1]);
}
