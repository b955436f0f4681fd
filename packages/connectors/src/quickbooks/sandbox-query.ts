import { FAULT_CODES, QUERY_PAGE } from './quickbooks.fixtures.ts';

/**
 * The sandbox's reading of the QuickBooks query language: `select * | count(*) from <Entity>
 * [where <field> <op> <value> [and …]] [orderby <field> [asc|desc]] [startposition n]
 * [maxresults n]`, keywords in any case, string values in single quotes with backslash escapes.
 * As QuickBooks does: no OR, string comparisons ignore case, name lists (Customer, Item) hide
 * inactive records unless the query filters on Active, MAXRESULTS defaults to 100 and stops at
 * 1000, and only filterable properties may be filtered on.
 */

type Value = string | number | boolean;
type Operator = '=' | '<' | '>' | '<=' | '>=' | 'LIKE' | 'IN';

interface Condition {
  field: string;
  operator: Operator;
  values: Value[];
}

export interface ParsedQuery {
  entity: QueryableEntity;
  count: boolean;
  conditions: Condition[];
  orderBy?: { field: string; descending: boolean };
  /** 1-based. */
  start: number;
  max: number;
}

export interface QueryProblem {
  code: typeof FAULT_CODES.queryParserError | typeof FAULT_CODES.queryValidationError;
  message: string;
  detail: string;
}

/** Filterable properties per entity (the XSD's `Filterable: QBW` notes, the ones the sandbox keeps). */
const FILTERABLE = {
  Customer: ['Id', 'DisplayName', 'GivenName', 'FamilyName', 'CompanyName', 'PrimaryEmailAddr', 'Active', 'Balance', 'MetaData.CreateTime', 'MetaData.LastUpdatedTime'],
  Item: ['Id', 'Name', 'Sku', 'Type', 'Active', 'MetaData.CreateTime', 'MetaData.LastUpdatedTime'],
  Invoice: ['Id', 'DocNumber', 'TxnDate', 'DueDate', 'CustomerRef', 'TotalAmt', 'Balance', 'MetaData.CreateTime', 'MetaData.LastUpdatedTime'],
  Payment: ['Id', 'TxnDate', 'CustomerRef', 'TotalAmt', 'MetaData.CreateTime', 'MetaData.LastUpdatedTime'],
  CreditMemo: ['Id', 'DocNumber', 'TxnDate', 'CustomerRef', 'TotalAmt', 'MetaData.CreateTime', 'MetaData.LastUpdatedTime'],
  CompanyInfo: ['Id'],
} as const;
export type QueryableEntity = keyof typeof FILTERABLE;
const NAME_LISTS: readonly QueryableEntity[] = ['Customer', 'Item'];

const TOKEN = /\s*(?:('(?:\\.|[^'\\])*')|(<=|>=|[=<>(),*])|([A-Za-z_][A-Za-z0-9_.]*)|(-?\d+(?:\.\d+)?))/y;

interface Token {
  kind: 'string' | 'symbol' | 'word' | 'number';
  text: string;
  at: number;
}

export function parseQuery(statement: string): ParsedQuery | QueryProblem {
  const tokens = tokenize(statement);
  if (!Array.isArray(tokens)) return tokens;
  let index = 0;
  const peek = () => tokens[index];
  const isWord = (word: string) => peek()?.kind === 'word' && peek()!.text.toLowerCase() === word;
  const unexpected = (): QueryProblem => {
    const token = peek();
    return parserError(token === undefined ? 'Encountered "<EOF>"' : `Encountered "${token.text}" at line 1, column ${token.at + 1}`);
  };
  const expectWord = (word: string): QueryProblem | undefined => (isWord(word) ? void index++ : unexpected());
  const expectSymbol = (symbol: string): QueryProblem | undefined => (peek()?.text === symbol ? void index++ : unexpected());

  const select = expectWord('select');
  if (select) return select;
  let count = false;
  if (peek()?.text === '*') index++;
  else if (isWord('count')) {
    index++;
    const problem = expectSymbol('(') ?? expectSymbol('*') ?? expectSymbol(')');
    if (problem) return problem;
    count = true;
  } else return unexpected();
  const from = expectWord('from');
  if (from) return from;
  const entityToken = peek();
  if (entityToken?.kind !== 'word') return unexpected();
  index++;
  const entity = (Object.keys(FILTERABLE) as QueryableEntity[]).find((name) => name.toLowerCase() === entityToken.text.toLowerCase());
  if (entity === undefined) return validationError(`Invalid entity name ${entityToken.text}`);

  const conditions: Condition[] = [];
  if (isWord('where')) {
    do {
      index++;
      const field = peek();
      if (field?.kind !== 'word') return unexpected();
      index++;
      const operatorToken = peek();
      const operator = operatorToken?.kind === 'word' ? operatorToken.text.toUpperCase() : operatorToken?.text;
      if (operator === 'IN') {
        index++;
        const open = expectSymbol('(');
        if (open) return open;
        const values: Value[] = [];
        for (;;) {
          const value = literal(peek());
          if (value === undefined) return unexpected();
          values.push(value);
          index++;
          if (peek()?.text === ',') index++;
          else break;
        }
        const close = expectSymbol(')');
        if (close) return close;
        conditions.push({ field: field.text, operator: 'IN', values });
      } else if (operator === '=' || operator === '<' || operator === '>' || operator === '<=' || operator === '>=' || operator === 'LIKE') {
        index++;
        const value = literal(peek());
        if (value === undefined || (operator === 'LIKE' && typeof value !== 'string')) return unexpected();
        index++;
        conditions.push({ field: field.text, operator, values: [value] });
      } else return unexpected();
    } while (isWord('and'));
  }
  if (isWord('or')) return parserError('OR is not supported in QuickBooks queries');

  let orderBy: ParsedQuery['orderBy'];
  if (isWord('orderby')) {
    index++;
    const field = peek();
    if (field?.kind !== 'word') return unexpected();
    index++;
    let descending = false;
    if (isWord('asc') || isWord('desc')) {
      descending = isWord('desc');
      index++;
    }
    orderBy = { field: field.text, descending };
  }
  let start = 1;
  let max: number = QUERY_PAGE.default;
  if (isWord('startposition')) {
    index++;
    if (peek()?.kind !== 'number') return unexpected();
    start = Math.max(1, Math.floor(Number(peek()!.text)));
    index++;
  }
  if (isWord('maxresults')) {
    index++;
    if (peek()?.kind !== 'number') return unexpected();
    max = Math.min(QUERY_PAGE.max, Math.max(1, Math.floor(Number(peek()!.text))));
    index++;
  }
  if (peek() !== undefined) return unexpected();

  const allowed: readonly string[] = FILTERABLE[entity];
  for (const field of [...conditions.map((condition) => condition.field), ...(orderBy === undefined ? [] : [orderBy.field])]) {
    if (!allowed.some((name) => name.toLowerCase() === field.toLowerCase())) return validationError(`property '${field}' is not queryable`);
  }
  return { entity, count, conditions, ...(orderBy === undefined ? {} : { orderBy }), start, max };
}

/** The records a parsed query selects, in order, before paging. */
export function selectRecords<T extends object>(query: ParsedQuery, records: readonly T[]): T[] {
  const filtersActive = query.conditions.some((condition) => condition.field.toLowerCase() === 'active');
  let selected = records.filter(
    (record) =>
      (filtersActive || !NAME_LISTS.includes(query.entity) || valueAt(record, 'Active') !== false) &&
      query.conditions.every((condition) => matches(valueAt(record, condition.field), condition)),
  );
  if (query.orderBy !== undefined) {
    const { field, descending } = query.orderBy;
    selected = [...selected].sort((a, b) => compare(valueAt(a, field), valueAt(b, field)) * (descending ? -1 : 1));
  }
  return selected;
}

function tokenize(statement: string): Token[] | QueryProblem {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < statement.length) {
    if (statement.slice(TOKEN.lastIndex).trim() === '') break;
    const at = TOKEN.lastIndex;
    const match = TOKEN.exec(statement);
    if (match === null) return parserError(`Lexical error at line 1, column ${at + 1}`);
    const [whole, quoted, symbol, word, number] = match;
    const start = at + whole.length - (quoted ?? symbol ?? word ?? number ?? '').length;
    if (quoted !== undefined) tokens.push({ kind: 'string', text: quoted.slice(1, -1).replace(/\\(.)/g, '$1'), at: start });
    else if (symbol !== undefined) tokens.push({ kind: 'symbol', text: symbol, at: start });
    else if (word !== undefined) tokens.push({ kind: 'word', text: word, at: start });
    else tokens.push({ kind: 'number', text: number!, at: start });
  }
  return tokens;
}

function literal(token: Token | undefined): Value | undefined {
  if (token === undefined) return undefined;
  if (token.kind === 'string') return token.text;
  if (token.kind === 'number') return Number(token.text);
  if (token.kind === 'word' && /^(true|false)$/i.test(token.text)) return token.text.toLowerCase() === 'true';
  return undefined;
}

/** A property by its query name: `MetaData.LastUpdatedTime`; an email or a reference compares by its address or value. */
function valueAt(record: object, field: string): unknown {
  let value: unknown = record;
  for (const part of field.split('.')) {
    if (typeof value !== 'object' || value === null) return undefined;
    const key = Object.keys(value).find((name) => name.toLowerCase() === part.toLowerCase());
    value = key === undefined ? undefined : (value as Record<string, unknown>)[key];
  }
  if (typeof value === 'object' && value !== null) {
    const { Address, value: id } = value as { Address?: unknown; value?: unknown };
    return Address ?? id;
  }
  return value;
}

function matches(actual: unknown, condition: Condition): boolean {
  if (actual === undefined || actual === null) return false;
  switch (condition.operator) {
    case 'IN':
      return condition.values.some((value) => compare(actual, value) === 0);
    case 'LIKE': {
      const pattern = String(condition.values[0]).replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/%/g, '.*');
      return new RegExp(`^${pattern}$`, 'i').test(String(actual));
    }
    default: {
      const order = compare(actual, condition.values[0]);
      return { '=': order === 0, '<': order < 0, '>': order > 0, '<=': order <= 0, '>=': order >= 0 }[condition.operator];
    }
  }
}

/** Numbers by value, timestamps by instant, everything else as text without case. */
function compare(a: unknown, b: unknown): number {
  if (typeof a === 'number' || typeof b === 'number') return Number(a) - Number(b);
  if (typeof a === 'boolean' || typeof b === 'boolean') return String(a) === String(b) ? 0 : String(a) < String(b) ? -1 : 1;
  const [left, right] = [String(a), String(b)];
  const isInstant = (text: string) => /^\d{4}-\d{2}-\d{2}T/.test(text);
  if (isInstant(left) && isInstant(right)) return Date.parse(left) - Date.parse(right);
  // Ids are numbers written as text.
  if (/^\d+$/.test(left) && /^\d+$/.test(right)) return Number(left) - Number(right);
  return left.localeCompare(right, 'en', { sensitivity: 'accent' });
}

function parserError(detail: string): QueryProblem {
  return { code: FAULT_CODES.queryParserError, message: 'Error parsing query', detail: `QueryParserError: ${detail}` };
}

function validationError(detail: string): QueryProblem {
  return { code: FAULT_CODES.queryValidationError, message: 'Invalid query', detail: `QueryValidationError: ${detail}` };
}
