/**
 * Test support for generated connectors: a deterministic example input from an action's JSON
 * Schema, and a check of the request an action builds against the ORIGINAL spec operation
 * (dereferenced by the parser, validated by ajv without our schema conversion in between).
 */
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { DeclarativeRequest } from '@weft/sdk';
import { isObject, type JsonSchema } from './schema-conversion.ts';

// ajv-formats is CommonJS; under NodeNext its default import is the module object.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

export interface ExampleOptions {
  /** Also fill optional properties, down to this depth (default: required ones only). */
  optionalDepth?: number;
}

/** An example value for `schema`; `$ref: '#/$defs/…'` resolve in `schema.$defs`. */
export function exampleFor(schema: JsonSchema, options: ExampleOptions = {}): unknown {
  const root = schema;
  const ajv = new Ajv({ strict: false, logger: false });
  addFormats(ajv);
  const fits = (candidate: unknown, part: unknown) => {
    if (!isObject(part)) return true;
    return ajv.validate({ ...part, $defs: root.$defs }, candidate);
  };

  const example = (node: unknown, depth: number, refs: readonly string[]): unknown => {
    if (!isObject(node)) return null;
    if (typeof node.$ref === 'string') {
      const key = node.$ref.slice('#/$defs/'.length);
      const target = isObject(root.$defs) ? root.$defs[key] : undefined;
      return refs.includes(key) ? null : example(target, depth, [...refs, key]);
    }
    if ('const' in node) return node.const;
    if (Array.isArray(node.enum)) return node.enum.find((value) => value !== null) ?? node.enum[0];
    if (Array.isArray(node.allOf)) {
      const parts = node.allOf.map((part) => example(part, depth, refs));
      const own = example({ ...node, allOf: undefined }, depth, refs);
      return parts.every(isObject) ? Object.assign({}, ...parts, isObject(own) ? own : {}) : parts[0];
    }
    for (const combinator of ['oneOf', 'anyOf'] as const) {
      const branches = node[combinator];
      if (!Array.isArray(branches)) continue;
      const own = { ...node, [combinator]: undefined };
      for (const branch of branches) {
        if (isObject(branch) && branch.type === 'null') continue;
        const candidate = example(isObject(branch) && !('$ref' in branch) ? { ...own, ...branch } : branch, depth, refs);
        if (fits(candidate, node)) return candidate;
      }
      return example(branches[0], depth, refs);
    }
    const types = Array.isArray(node.type) ? node.type : node.type === undefined ? (node.properties ? ['object'] : []) : [node.type];
    const type = types.find((candidate) => candidate !== 'null') ?? types[0];
    switch (type) {
      case 'string':
        return exampleString(node);
      case 'integer':
      case 'number':
        return exampleNumber(node, type === 'integer');
      case 'boolean':
        return true;
      case 'null':
        return null;
      case 'array': {
        const count = Math.min(Math.max(typeof node.minItems === 'number' ? node.minItems : 1, 1), typeof node.maxItems === 'number' ? node.maxItems : Infinity);
        return Array.from({ length: count }, (_, i) => example(Array.isArray(node.items) ? node.items[i] : node.items, depth + 1, refs));
      }
      case 'object': {
        const properties = isObject(node.properties) ? node.properties : {};
        const required = new Set(Array.isArray(node.required) ? node.required : []);
        const out: Record<string, unknown> = {};
        for (const [name, property] of Object.entries(properties)) {
          const optional = !required.has(name);
          if (optional && (depth >= (options.optionalDepth ?? -1) || (isObject(property) && property.readOnly === true))) continue;
          out[name] = example(property, depth + 1, refs);
        }
        return out;
      }
      default:
        return 'example';
    }
  };
  return example(schema, 0, []);
}

const FORMAT_EXAMPLES: Record<string, string> = {
  'date-time': '2026-01-02T03:04:05Z',
  date: '2026-01-02',
  time: '03:04:05Z',
  email: 'buyer@example.com',
  uri: 'https://example.com/callback',
  url: 'https://example.com/callback',
  'uri-reference': 'https://example.com/callback',
  uuid: '0f8fad5b-d9cb-469f-a165-70867728950e',
  hostname: 'example.com',
  ipv4: '192.0.2.1',
  ipv6: '2001:db8::1',
  byte: 'ZXhhbXBsZQ==',
};

function exampleString(schema: JsonSchema): string {
  const min = typeof schema.minLength === 'number' ? schema.minLength : 0;
  const max = typeof schema.maxLength === 'number' ? schema.maxLength : Infinity;
  const fitsLength = (text: string) => [...text].length >= min && [...text].length <= max;
  if (typeof schema.pattern === 'string') {
    const pattern = new RegExp(schema.pattern, 'u');
    for (let extra = 0; extra <= 64; extra++) {
      const text = stringMatching(schema.pattern, extra);
      if (pattern.test(text) && fitsLength(text)) return text;
    }
    throw new Error(`exampleFor: no example found for pattern ${schema.pattern}`);
  }
  const base = typeof schema.format === 'string' ? (FORMAT_EXAMPLES[schema.format] ?? 'example') : 'example';
  return fitsLength(base) ? base : base.padEnd(Math.max(min, 1), 'x').slice(0, Math.max(min, Math.min(max, base.length)));
}

function exampleNumber(schema: JsonSchema, integer: boolean): number {
  const step = typeof schema.multipleOf === 'number' ? schema.multipleOf : 1;
  let value = typeof schema.minimum === 'number' ? schema.minimum : typeof schema.exclusiveMinimum === 'number' ? schema.exclusiveMinimum + step : 1;
  if (typeof schema.maximum === 'number' && value > schema.maximum) value = schema.maximum;
  value = Math.ceil(value / step) * step;
  return integer ? Math.ceil(value) : value;
}

/**
 * A string matching a regular expression, for the subset vendor specs use: literals, escapes,
 * classes, groups, alternation (the first branch) and quantifiers. `extra` repeats open-ended
 * quantifiers more, to reach a minimum length.
 */
export function stringMatching(pattern: string, extra = 0): string {
  let i = 0;
  const peek = () => pattern[i];
  const alternation = (): string => {
    const first = sequence();
    while (peek() === '|') {
      i++;
      sequence();
    }
    return first;
  };
  const sequence = (): string => {
    let out = '';
    while (i < pattern.length && peek() !== '|' && peek() !== ')') {
      const atom = unit();
      const [min, max] = quantifier();
      const count = Math.min(min + extra, max);
      for (let n = 0; n < count; n++) out += atom();
    }
    return out;
  };
  const unit = (): (() => string) => {
    const char = pattern[i++]!;
    if (char === '^' || char === '$') return () => '';
    if (char === '.') return () => 'a';
    if (char === '(') {
      // (?:…) and named groups generate like plain ones.
      if (peek() === '?') i = pattern[i + 1] === '<' ? pattern.indexOf('>', i) + 1 : i + 2;
      const text = alternation();
      i++;
      return () => text;
    }
    if (char === '[') {
      const chars = characterClass();
      return () => chars;
    }
    if (char === '\\') {
      const escaped = escape();
      return () => escaped;
    }
    return () => char;
  };
  const escape = (): string => {
    const char = pattern[i++]!;
    if (char === 'd') return '0';
    if (char === 'w') return 'a';
    if (char === 's') return ' ';
    if (char === 'x') {
      const code = pattern.slice(i, i + 2);
      i += 2;
      return String.fromCharCode(parseInt(code, 16));
    }
    if (char === 'b' || char === 'B') return '';
    return char;
  };
  const characterClass = (): string => {
    const negated = peek() === '^';
    if (negated) i++;
    const ranges: Array<[number, number]> = [];
    while (i < pattern.length && peek() !== ']') {
      let low = pattern[i++]!;
      if (low === '\\') low = escape();
      let high = low;
      if (peek() === '-' && pattern[i + 1] !== ']') {
        i++;
        high = pattern[i++]!;
        if (high === '\\') high = escape();
      }
      ranges.push([low.codePointAt(0)!, high.codePointAt(0)!]);
    }
    i++;
    if (!negated) return String.fromCodePoint(ranges[0]![0]);
    for (let code = 0x61; code < 0x7f; code++) if (!ranges.some(([low, high]) => code >= low && code <= high)) return String.fromCharCode(code);
    return 'a';
  };
  const quantifier = (): [number, number] => {
    let bounds: [number, number];
    const char = peek();
    if (char === '*') bounds = [0, Infinity];
    else if (char === '+') bounds = [1, Infinity];
    else if (char === '?') bounds = [0, 1];
    else if (char === '{') {
      const match = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(i));
      if (match === null) return [1, 1];
      i += match[0].length - 1;
      const min = Number(match[1]);
      bounds = [min, match[2] === undefined ? min : match[3] === '' ? Infinity : Number(match[3])];
    } else return [1, 1];
    i++;
    // A lazy quantifier matches the same strings.
    if (peek() === '?') i++;
    return bounds;
  };
  return alternation();
}

// ---------------------------------------------------------------------------------------------

/** The problems with `request` as a call of `method path` in the dereferenced spec; empty when valid. */
export function requestProblems(document: Record<string, unknown>, expected: { method: string; path: string }, request: DeclarativeRequest): string[] {
  const problems: string[] = [];
  const isSwagger2 = typeof document.swagger === 'string';
  const paths = document.paths as Record<string, Record<string, unknown>>;
  const method = request.method.toLowerCase();

  // Which operation does the request address? Literal segments win over templated ones.
  const candidates = Object.keys(paths)
    .filter((template) => isObject(paths[template]![method]) && templateRegExp(template).test(request.path))
    .sort((a, b) => a.replace(/\{[^}]+\}/g, '').length - b.replace(/\{[^}]+\}/g, '').length)
    .reverse();
  const template = candidates[0];
  if (template !== expected.path || method !== expected.method.toLowerCase()) {
    return [`${request.method} ${request.path} addresses ${template ?? 'no operation'}, not ${expected.method} ${expected.path}`];
  }
  const pathItem = paths[template]!;
  const operation = pathItem[method] as Record<string, unknown>;
  const parameters = new Map<string, Record<string, unknown>>();
  for (const parameter of [...((pathItem.parameters as unknown[]) ?? []), ...((operation.parameters as unknown[]) ?? [])]) {
    if (isObject(parameter)) parameters.set(`${String(parameter.in)}:${String(parameter.name)}`, parameter);
  }

  const plain = new Ajv({ strict: false, unicodeRegExp: false, allErrors: true, logger: false });
  const coercing = new Ajv({ strict: false, unicodeRegExp: false, allErrors: true, coerceTypes: 'array', logger: false });
  addFormats(plain);
  addFormats(coercing);
  const check = (ajv: Ajv, schema: unknown, value: unknown, where: string) => {
    let validate: ValidateFunction;
    try {
      validate = ajv.compile(draft7(schema));
    } catch (error) {
      problems.push(`${where}: the spec's schema does not compile: ${(error as Error).message}`);
      return;
    }
    if (!validate(value)) problems.push(`${where}: ${ajv.errorsText(validate.errors, { dataVar: where })}`);
  };
  const schemaOf = (parameter: Record<string, unknown>) => {
    if (!isSwagger2) return parameter.schema;
    const { name: _n, in: _i, required: _r, description: _d, collectionFormat: _c, ...schema } = parameter;
    return schema.type === 'file' ? {} : schema;
  };
  const separatorOf = (parameter: Record<string, unknown>) => {
    if (isSwagger2) return ({ ssv: ' ', tsv: '\t', pipes: '|', multi: undefined } as Record<string, string | undefined>)[String(parameter.collectionFormat)] ?? ',';
    return parameter.style === 'spaceDelimited' ? ' ' : parameter.style === 'pipeDelimited' ? '|' : ',';
  };
  // A serialized value as the spec's schema sees it: arrays split, then types coerced by ajv.
  const parsed = (parameter: Record<string, unknown>, value: unknown) => {
    const schema = schemaOf(parameter);
    if (isObject(schema) && schema.type === 'array' && typeof value === 'string') return value.split(separatorOf(parameter));
    return value;
  };

  const names = [...template.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]!);
  const values = templateRegExp(template).exec(request.path)!.slice(1).map(decodeURIComponent);
  names.forEach((name, n) => {
    const parameter = parameters.get(`path:${name}`);
    if (parameter === undefined) problems.push(`path parameter ${name} is not in the spec`);
    else check(coercing, schemaOf(parameter), parsed(parameter, values[n]), `path.${name}`);
  });

  const query = Object.fromEntries(Object.entries(request.query ?? {}).filter(([, value]) => value !== undefined));
  const usedQuery = new Set<string>();
  const headers = Object.fromEntries(Object.entries(request.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]));
  for (const parameter of parameters.values()) {
    const name = String(parameter.name);
    if (parameter.in === 'query') {
      if (parameter.style === 'deepObject') {
        const members = Object.entries(query).filter(([key]) => key.startsWith(`${name}[`));
        members.forEach(([key]) => usedQuery.add(key));
        if (members.length > 0) check(coercing, schemaOf(parameter), Object.fromEntries(members.map(([key, value]) => [key.slice(name.length + 1, -1), value])), `query.${name}`);
        else if (parameter.required === true) problems.push(`required query parameter ${name} is missing`);
        continue;
      }
      usedQuery.add(name);
      if (query[name] === undefined) {
        if (parameter.required === true) problems.push(`required query parameter ${name} is missing`);
      } else check(coercing, schemaOf(parameter), parsed(parameter, query[name]), `query.${name}`);
    } else if (parameter.in === 'header') {
      const value = headers[name.toLowerCase()];
      if (value === undefined) {
        if (parameter.required === true) problems.push(`required header ${name} is missing`);
      } else check(coercing, schemaOf(parameter), parsed(parameter, value), `headers.${name}`);
    }
  }
  for (const key of Object.keys(query)) if (!usedQuery.has(key)) problems.push(`query parameter ${key} is not in the spec`);
  for (const name of Object.keys(headers)) {
    if (![...parameters.values()].some((parameter) => parameter.in === 'header' && String(parameter.name).toLowerCase() === name)) problems.push(`header ${name} is not in the spec`);
  }

  const encoding = request.bodyEncoding ?? 'json';
  if (isSwagger2) {
    const body = [...parameters.values()].find((parameter) => parameter.in === 'body');
    const form = [...parameters.values()].filter((parameter) => parameter.in === 'formData');
    if (body !== undefined) {
      if (request.body === undefined) {
        if (body.required === true) problems.push('the required body is missing');
      } else check(plain, body.schema, request.body, 'body');
    } else if (form.length > 0) {
      const fields = isObject(request.body) ? request.body : {};
      if (encoding === 'json') problems.push('form fields sent as JSON');
      for (const parameter of form) {
        const value = fields[String(parameter.name)];
        if (value === undefined) {
          if (parameter.required === true) problems.push(`required form field ${String(parameter.name)} is missing`);
        } else check(plain, schemaOf(parameter), value, `body.${String(parameter.name)}`);
      }
    } else if (request.body !== undefined) problems.push('a body is sent, but the operation takes none');
    return problems;
  }

  const requestBody = operation.requestBody;
  if (!isObject(requestBody)) {
    if (request.body !== undefined) problems.push('a body is sent, but the operation takes none');
    return problems;
  }
  if (request.body === undefined) {
    if (requestBody.required === true) problems.push('the required body is missing');
    return problems;
  }
  const content = (requestBody.content ?? {}) as Record<string, { schema?: unknown }>;
  // The importer never emits 'raw'; any declared media type would take raw bytes.
  const wanted = { json: /json|\*\/\*/i, form: /^application\/x-www-form-urlencoded/i, multipart: /^multipart\/form-data/i, raw: /./ }[encoding];
  const mediaType = Object.keys(content).find((type) => wanted.test(type));
  if (mediaType === undefined) problems.push(`the body is sent as ${encoding}, which the operation does not take (${Object.keys(content).join(', ')})`);
  else check(plain, content[mediaType]!.schema, request.body, 'body');
  return problems;
}

/**
 * The spec's schema as ajv reads it: OpenAPI 3.0 and Swagger 2 boolean `exclusiveMinimum`
 * becomes the draft-07 number, and a recursive schema (a cycle once dereferenced) accepts
 * anything where it recurses.
 */
function draft7(schema: unknown, ancestors: readonly object[] = []): JsonSchema {
  if (!isObject(schema) || ancestors.includes(schema)) return {};
  const copy = (value: unknown): unknown =>
    Array.isArray(value) ? value.map(copy) : isObject(value) ? (ancestors.includes(value) || value === schema ? {} : draft7(value, [...ancestors, schema])) : value;
  const out: JsonSchema = Object.fromEntries(Object.entries(schema).map(([key, value]) => [key, copy(value)]));
  for (const [exclusive, bound] of [['exclusiveMinimum', 'minimum'], ['exclusiveMaximum', 'maximum']] as const) {
    if (out[exclusive] === true) {
      out[exclusive] = out[bound];
      delete out[bound];
    } else if (out[exclusive] === false) delete out[exclusive];
  }
  return out;
}

function templateRegExp(template: string): RegExp {
  const source = template
    .split(/(\{[^}]+\})/)
    .map((part) => (/^\{[^}]+\}$/.test(part) ? '([^/]+)' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`);
}
