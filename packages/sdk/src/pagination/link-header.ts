import { assertFunction, freezeDeclaration } from '../declaration.ts';
import type { PaginationStrategy } from './paginate.ts';

export interface LinkValue {
  /** As written between the angle brackets; may be relative. */
  target: string;
  /** Lower-case names; the first occurrence of a parameter wins (RFC 8288 §3.3 for rel). */
  params: Record<string, string>;
}

/**
 * RFC 8288 `Link` header values. Commas and semicolons can appear inside URLs and quoted
 * strings, so splitting on "," (as many clients do) breaks on real headers; this scans instead.
 * Malformed link-values are skipped rather than failing the whole header.
 */
export function parseLinkHeader(header: string): LinkValue[] {
  const links: LinkValue[] = [];
  let i = 0;
  const skipSpace = (): void => {
    while (i < header.length && (header[i] === ' ' || header[i] === '\t')) i++;
  };
  const skipToNextValue = (): void => {
    while (i < header.length && header[i] !== ',') {
      if (header[i] === '"') readQuoted();
      else i++;
    }
  };
  const readQuoted = (): string => {
    let value = '';
    for (i++; i < header.length && header[i] !== '"'; i++) {
      if (header[i] === '\\' && i + 1 < header.length) i++;
      value += header[i];
    }
    i++;
    return value;
  };
  const readToken = (): string => {
    const start = i;
    while (i < header.length && !/[\s;,="]/.test(header[i] ?? '')) i++;
    return header.slice(start, i);
  };

  while (i < header.length) {
    while (i < header.length && (header[i] === ',' || /\s/.test(header[i] ?? ''))) i++;
    if (i >= header.length) break;
    if (header[i] !== '<') {
      skipToNextValue();
      continue;
    }
    const close = header.indexOf('>', i);
    if (close < 0) break;
    const target = header.slice(i + 1, close).trim();
    i = close + 1;
    const params: Record<string, string> = {};
    for (skipSpace(); header[i] === ';'; skipSpace()) {
      i++;
      skipSpace();
      const name = readToken().toLowerCase();
      skipSpace();
      let value = '';
      if (header[i] === '=') {
        i++;
        skipSpace();
        value = header[i] === '"' ? readQuoted() : readToken();
      }
      if (name !== '' && !(name in params)) params[name] = value;
    }
    skipToNextValue();
    links.push({ target, params });
  }
  return links;
}

/** The target of the link whose rel includes `rel` (rel is a space-separated, case-insensitive list). */
export function findLink(header: string | undefined, rel: string): string | undefined {
  if (header === undefined) return undefined;
  const wanted = rel.toLowerCase();
  return parseLinkHeader(header).find((link) => (link.params.rel ?? '').toLowerCase().split(/\s+/).includes(wanted))?.target;
}

/**
 * GitHub-style `Link: <…?page=2>; rel="next"`. The next request is the link's URL as given, so
 * the first request's query is dropped: the server's link already carries everything it needs.
 */
export function linkHeader(options: { items?: (body: unknown) => unknown[] } = {}): PaginationStrategy {
  const items = options.items ?? bodyAsArray;
  assertFunction('linkHeader', 'items', items);
  return freezeDeclaration({
    kind: 'link-header',
    first: (request) => request,
    items: (response) => items(response.body),
    next: ({ request, response }) => {
      const target = findLink(response.headers.link, 'next');
      if (target === undefined || target === '') return undefined;
      const url = resolve(target, response.url ?? request.url);
      return { request: { ...request, url, query: undefined }, position: `link ${url}` };
    },
  });
}

function resolve(target: string, base: string | undefined): string {
  try {
    return new URL(target, base).href;
  } catch {
    throw new Error(
      base === undefined
        ? `link-header pagination: the next link ${JSON.stringify(target)} is relative and the response carries no url to resolve it against`
        : `link-header pagination: the next link ${JSON.stringify(target)} is not a valid URL`,
    );
  }
}

function bodyAsArray(body: unknown): unknown[] {
  if (!Array.isArray(body)) throw new TypeError('linkHeader: the body is not an array; pass items to say where the records are');
  return body;
}
