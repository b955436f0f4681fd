import type { PaginationStrategy } from '@weft/sdk';

/**
 * The QuickBooks query language: `select * from Customer where DisplayName = 'x' STARTPOSITION 1
 * MAXRESULTS 100`, sent as `GET /query?query=…`. Values are quoted with single quotes; a quote
 * inside one is escaped with a backslash. Pages are addressed inside the statement (STARTPOSITION
 * is 1-based), not by query parameters, so pagination rewrites the statement.
 */

export type Condition = readonly [field: string, operator: '=' | '<' | '>' | '<=' | '>=' | 'LIKE', value: string | number | boolean];

const PAGE_CLAUSE = /\sSTARTPOSITION (\d+) MAXRESULTS (\d+)$/;

/** A quoted literal: `O'Brien` becomes `'O\'Brien'`. */
export function quote(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export function selectStatement(entity: string, conditions: readonly Condition[], page: { start: number; max: number }): string {
  const where = conditions.map(([field, operator, value]) => `${field} ${operator} ${typeof value === 'string' ? quote(value) : String(value)}`);
  return `select * from ${entity}${where.length === 0 ? '' : ` where ${where.join(' and ')}`} STARTPOSITION ${page.start} MAXRESULTS ${page.max}`;
}

interface QueryBody {
  QueryResponse?: Record<string, unknown>;
}

/**
 * Pages through a statement built by selectStatement. QuickBooks never returns more than
 * MAXRESULTS (at most 1000, which the input schemas enforce), so a shorter page is the last one;
 * an empty answer (`QueryResponse: {}`) ends it too.
 */
export function queryPages(entity: string): PaginationStrategy {
  return Object.freeze({
    kind: 'offset-limit' as const,
    first: (request) => request,
    items: (response) => {
      const found = (response.body as QueryBody).QueryResponse?.[entity];
      return Array.isArray(found) ? found : [];
    },
    next: ({ request, items }) => {
      const statement = String(request.query?.query ?? '');
      const clause = PAGE_CLAUSE.exec(statement);
      if (clause === null) throw new TypeError(`queryPages: the statement has no STARTPOSITION … MAXRESULTS … clause: ${statement}`);
      const max = Number(clause[2]);
      if (items.length < max) return undefined;
      const start = Number(clause[1]) + items.length;
      const query = statement.replace(PAGE_CLAUSE, ` STARTPOSITION ${start} MAXRESULTS ${max}`);
      return { request: { ...request, query: { ...request.query, query } }, position: `STARTPOSITION ${start}` };
    },
  } satisfies PaginationStrategy);
}
