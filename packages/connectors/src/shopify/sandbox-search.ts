/**
 * Shopify's search syntax for a connection's `query` argument, as far as the sandbox needs it:
 * `field:value`, `field:>=value` (also >, <, <=), quoted values, terms joined by AND (or a
 * space) and OR. A term naming a field the connection does not search is ignored, as Shopify
 * ignores it (with a warning the sandbox does not reproduce).
 */

export interface SearchTerm {
  field: string;
  operator: '=' | '>' | '>=' | '<' | '<=';
  value: string;
}

/** Alternatives (OR) of conjunctions (AND). */
export type SearchQuery = SearchTerm[][];

const TOKEN = /([a-z_]+):(>=|<=|>|<)?('[^']*'|"[^"]*"|\S+)|(\S+)/gi;

export function parseSearchQuery(text: string | undefined | null): SearchQuery {
  if (text === undefined || text === null || text.trim() === '') return [];
  const alternatives: SearchTerm[][] = [[]];
  for (const match of text.matchAll(TOKEN)) {
    const [, field, operator, rawValue, bare] = match;
    if (bare !== undefined) {
      if (bare === 'OR') alternatives.push([]);
      continue;
    }
    const value = rawValue!.replace(/^(['"])(.*)\1$/, '$2');
    alternatives.at(-1)!.push({ field: field!.toLowerCase(), operator: (operator ?? '=') as SearchTerm['operator'], value });
  }
  return alternatives.filter((terms) => terms.length > 0);
}

/** `fields` says how to read each searchable field of a record; others are ignored. */
export function matchesSearch<T>(record: T, query: SearchQuery, fields: Record<string, (record: T) => string | number | null>): boolean {
  if (query.length === 0) return true;
  return query.some((terms) =>
    terms.every((term) => {
      const read = fields[term.field];
      if (read === undefined) return true;
      return compare(read(record), term);
    }),
  );
}

function compare(actual: string | number | null, term: SearchTerm): boolean {
  if (actual === null) return false;
  if (typeof actual === 'number') {
    const wanted = /^\d+$/.test(term.value) ? Number(term.value) : Date.parse(term.value);
    if (Number.isNaN(wanted)) return false;
    switch (term.operator) {
      case '=':
        return actual === wanted;
      case '>':
        return actual > wanted;
      case '>=':
        return actual >= wanted;
      case '<':
        return actual < wanted;
      case '<=':
        return actual <= wanted;
    }
  }
  // Shopify matches text fields case-insensitively; a trailing * is a prefix match.
  const text = actual.toLowerCase();
  const wanted = term.value.toLowerCase();
  if (term.operator !== '=') return false;
  return wanted.endsWith('*') ? text.startsWith(wanted.slice(0, -1)) : text === wanted;
}
