/**
 * OpenAPI schema objects (Swagger 2, OpenAPI 3.0, 3.1) to the JSON Schema a connector declares.
 * The result must compile in ajv's strict mode, which the engine uses to validate inputs, so
 * OpenAPI-only keywords are translated (`nullable`, `example`, boolean `exclusiveMinimum`) and
 * hints ajv cannot check (`xml`, `discriminator`, `x-*`, vendor formats) are left out.
 */

export type JsonSchema = { [keyword: string]: unknown };

/** ajv-formats' full set: any other format is a vendor hint (PayPal's `ppaas_date_time_v3`). */
const KNOWN_FORMATS = new Set([
  'date', 'time', 'date-time', 'iso-time', 'iso-date-time', 'duration', 'uri', 'uri-reference', 'uri-template', 'url',
  'email', 'hostname', 'ipv4', 'ipv6', 'regex', 'uuid', 'json-pointer', 'json-pointer-uri-fragment',
  'relative-json-pointer', 'byte', 'int32', 'int64', 'float', 'double', 'password', 'binary',
]);

const COPIED = [
  'title', 'description', 'default', 'deprecated', 'readOnly', 'writeOnly', 'const', 'enum',
  'multipleOf', 'maximum', 'minimum', 'maxLength', 'minLength', 'maxItems', 'minItems', 'uniqueItems',
  'maxProperties', 'minProperties', 'required',
] as const;

export interface ConversionContext {
  /** Maps a `$ref` to the key of the shared definition it names, or undefined to inline it. */
  definitionKey(ref: string): string | undefined;
  /** Resolves a `$ref` that is not a shared definition (a bundled file's path, a parameter's schema). */
  resolve(ref: string): unknown;
  /** Definition keys referenced so far. */
  used: Set<string>;
  /** Problems worth telling the user about, each said once. */
  warnings: Set<string>;
}

export function toJsonSchema(source: unknown, context: ConversionContext, seen: readonly string[] = []): JsonSchema {
  if (typeof source !== 'object' || source === null || Array.isArray(source)) return {};
  const schema = source as Record<string, unknown>;

  if (typeof schema.$ref === 'string') {
    const key = context.definitionKey(schema.$ref);
    if (key !== undefined) {
      context.used.add(key);
      return { $ref: `#/$defs/${key}` };
    }
    // A schema that refers to itself other than through a shared definition cannot be inlined.
    if (seen.includes(schema.$ref)) return {};
    return toJsonSchema(context.resolve(schema.$ref), context, [...seen, schema.$ref]);
  }

  const out: JsonSchema = {};
  const nested = (value: unknown) => toJsonSchema(value, context, seen);

  if (schema.type === 'file') {
    // Swagger 2's upload type.
    out.type = 'string';
    out.format = 'binary';
  } else if (typeof schema.type === 'string' || Array.isArray(schema.type)) {
    out.type = schema.type;
  }
  for (const keyword of COPIED) if (schema[keyword] !== undefined) out[keyword] = schema[keyword];
  if (schema.example !== undefined && schema.examples === undefined) out.examples = [schema.example];
  else if (Array.isArray(schema.examples)) out.examples = schema.examples;

  if (typeof schema.format === 'string' && schema.format !== '' && out.format === undefined) {
    if (KNOWN_FORMATS.has(schema.format)) out.format = schema.format;
  }
  if (typeof schema.pattern === 'string') {
    const pattern = unicodePattern(schema.pattern);
    if (pattern !== undefined) out.pattern = pattern;
    else context.warnings.add(`pattern ${JSON.stringify(schema.pattern)} is not a valid regular expression; left out`);
  }
  // OpenAPI 3.0 and Swagger 2 say `exclusiveMinimum: true` next to `minimum`; JSON Schema gives the bound itself.
  for (const [exclusive, bound] of [['exclusiveMinimum', 'minimum'], ['exclusiveMaximum', 'maximum']] as const) {
    const value = schema[exclusive];
    if (typeof value === 'number') out[exclusive] = value;
    else if (value === true && typeof schema[bound] === 'number') {
      out[exclusive] = schema[bound];
      delete out[bound];
    }
  }

  if (isObject(schema.properties)) {
    out.properties = Object.fromEntries(Object.entries(schema.properties).map(([name, value]) => [name, nested(value)]));
  }
  if (isObject(schema.patternProperties)) {
    out.patternProperties = Object.fromEntries(Object.entries(schema.patternProperties).map(([name, value]) => [name, nested(value)]));
  }
  if (typeof schema.additionalProperties === 'boolean') out.additionalProperties = schema.additionalProperties;
  else if (isObject(schema.additionalProperties)) out.additionalProperties = nested(schema.additionalProperties);
  if (Array.isArray(schema.items)) out.items = schema.items.map(nested);
  else if (isObject(schema.items)) out.items = nested(schema.items);
  else if (out.type === 'array') out.items = {};
  for (const combinator of ['allOf', 'anyOf', 'oneOf'] as const) {
    const list = schema[combinator];
    if (Array.isArray(list) && list.length > 0) out[combinator] = list.map(nested);
  }
  if (isObject(schema.not)) out.not = nested(schema.not);

  if (out.type === undefined && out.enum === undefined && out.const === undefined) {
    const implied = impliedType(out);
    if (implied !== undefined) out.type = implied;
  }
  return schema.nullable === true ? withNull(out) : out;
}

const TYPE_KEYWORDS: Record<string, readonly string[]> = {
  object: ['properties', 'required', 'additionalProperties', 'patternProperties', 'minProperties', 'maxProperties'],
  array: ['items', 'minItems', 'maxItems', 'uniqueItems'],
  string: ['pattern', 'minLength', 'maxLength', 'format'],
  number: ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf'],
};

/**
 * Specs often leave out `type: object` beside `properties`; ajv's strict mode then refuses the
 * schema (strictTypes). Keywords of exactly one type say what was meant.
 */
function impliedType(schema: JsonSchema): string | undefined {
  const types = Object.keys(TYPE_KEYWORDS).filter((type) => TYPE_KEYWORDS[type]!.some((keyword) => schema[keyword] !== undefined));
  return types.length === 1 ? types[0] : undefined;
}

function withNull(schema: JsonSchema): JsonSchema {
  if (Array.isArray(schema.enum) && !schema.enum.includes(null)) schema.enum = [...schema.enum, null];
  if (typeof schema.type === 'string') return { ...schema, type: [schema.type, 'null'] };
  if (Array.isArray(schema.type)) return schema.type.includes('null') ? schema : { ...schema, type: [...schema.type, 'null'] };
  return { anyOf: [schema, { type: 'null' }] };
}

/**
 * ajv compiles patterns with the `u` flag, which refuses what plain regular expressions read as
 * literals: needless escapes (`\!`) and lone `]`, `{`, `}`. Vendor specs have both (PayPal's
 * email pattern), so those are rewritten as the escapes they meant; the language matched stays the same.
 */
export function unicodePattern(pattern: string): string | undefined {
  if (compiles(pattern, 'u')) return pattern;
  if (!compiles(pattern, '')) return undefined;
  let out = '';
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i]!;
    if (char === '\\') {
      const next = pattern[++i] ?? '';
      const keep = /[A-Za-z0-9]/.test(next) || '^$\\.*+?()[]{}|/'.includes(next) || (inClass && next === '-');
      out += keep ? char + next : next;
    } else if (inClass) {
      if (char === ']') inClass = false;
      out += char;
    } else if (char === '[') {
      inClass = true;
      out += char;
    } else if (char === ']' || char === '}' || (char === '{' && !/^\{\d+(,\d*)?\}/.test(pattern.slice(i)))) {
      out += '\\' + char;
    } else if (char === '{') {
      const quantifier = /^\{\d+(,\d*)?\}/.exec(pattern.slice(i))![0];
      out += quantifier;
      i += quantifier.length - 1;
    } else {
      out += char;
    }
  }
  return compiles(out, 'u') ? out : undefined;
}

function compiles(pattern: string, flags: string): boolean {
  try {
    new RegExp(pattern, flags);
    return true;
  } catch {
    return false;
  }
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The TypeScript type of a converted schema, for `schema.Unsafe<T>(…)`: the generated actions then
 * type-check `input.path.id` and the like. `$ref`s name members of the generated `Defs` interface.
 */
export function typeScriptType(schema: unknown, indent = ''): string {
  if (!isObject(schema)) return 'unknown';
  // Definition keys are sanitised to [A-Za-z0-9._-], so the pointer needs no unescaping.
  if (typeof schema.$ref === 'string') return `Defs[${quote(schema.$ref.slice('#/$defs/'.length))}]`;
  if ('const' in schema) return literalType(schema.const);
  if (Array.isArray(schema.enum)) return union(schema.enum.map(literalType));
  for (const [combinator, joiner] of [['allOf', ' & '], ['anyOf', ' | '], ['oneOf', ' | ']] as const) {
    const list = schema[combinator];
    if (Array.isArray(list)) {
      const own = { ...schema, [combinator]: undefined };
      const parts = list.map((part) => typeScriptType(part, indent));
      if (schema.type !== undefined || schema.properties !== undefined) parts.push(typeScriptType(own, indent));
      return parts.length === 1 ? parts[0]! : `(${parts.join(joiner)})`;
    }
  }
  const types = Array.isArray(schema.type) ? schema.type : typeof schema.type === 'string' ? [schema.type] : [];
  if (types.length === 0) return schema.properties !== undefined ? objectType(schema, indent) : 'unknown';
  return union(types.map((type) => {
    switch (type) {
      case 'string':
        return 'string';
      case 'integer':
      case 'number':
        return 'number';
      case 'boolean':
        return 'boolean';
      case 'null':
        return 'null';
      case 'array':
        return Array.isArray(schema.items) ? `[${schema.items.map((item) => typeScriptType(item, indent)).join(', ')}]` : `Array<${typeScriptType(schema.items, indent)}>`;
      case 'object':
        return objectType(schema, indent);
      default:
        return 'unknown';
    }
  }));
}

function objectType(schema: JsonSchema, indent: string): string {
  const properties = isObject(schema.properties) ? Object.entries(schema.properties) : [];
  const additional = schema.additionalProperties;
  if (properties.length === 0) {
    if (additional === false) return 'Record<string, never>';
    return `Record<string, ${isObject(additional) ? typeScriptType(additional, indent) : 'unknown'}>`;
  }
  const required = new Set(Array.isArray(schema.required) ? schema.required : []);
  const inner = indent + '  ';
  const lines = properties.map(([name, value]) => `${inner}${propertyKey(name)}${required.has(name) ? '' : '?'}: ${typeScriptType(value, inner)};`);
  if (additional !== undefined && additional !== false) lines.push(`${inner}[key: string]: unknown;`);
  return `{\n${lines.join('\n')}\n${indent}}`;
}

function literalType(value: unknown): string {
  if (typeof value === 'string') return quote(value);
  return value === null || typeof value !== 'object' ? String(value) : 'unknown';
}

function union(parts: string[]): string {
  const unique = [...new Set(parts)];
  return unique.length === 1 ? unique[0]! : unique.join(' | ');
}

export function propertyKey(name: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? name : quote(name);
}

/** A single-quoted TypeScript string literal. */
export function quote(text: string): string {
  return `'${JSON.stringify(text).slice(1, -1).replace(/\\"/g, '"').replace(/'/g, "\\'")}'`;
}
