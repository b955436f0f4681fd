/**
 * Reads an OpenAPI 3.x or Swagger 2 document into an `ApiModel`: one action per operation with
 * its input/output JSON Schemas, the auth schemes and the servers. `to-connector-source.ts`
 * turns the model into a declarative connector's TypeScript source.
 */
import { bundle, compileErrors, validate } from '@readme/openapi-parser';
import { isObject, toJsonSchema, type ConversionContext, type JsonSchema } from './schema-conversion.ts';
import { connectorSource, type GeneratedFile } from './to-connector-source.ts';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';
export type BodyEncoding = 'json' | 'form' | 'multipart';

export type AuthModel = { scheme: string } & (
  | { kind: 'api-key'; in: 'header' | 'query'; name: string }
  | { kind: 'basic' }
  | { kind: 'bearer' }
  | { kind: 'oauth2-client-credentials'; tokenUrl: string; scopes: string[] }
  | { kind: 'oauth2-authorization-code'; authorizationUrl: string; tokenUrl: string; scopes: string[] }
);

/** How a parameter's value becomes text, per its `style`/`explode` (3.x) or `collectionFormat` (2.0). */
export type Serialization =
  | { kind: 'plain' }
  /** An array sent as repeated parameters (`?id=1&id=2`). */
  | { kind: 'repeat' }
  | { kind: 'join'; separator: string }
  /** An object as `name[key]=value`. */
  | { kind: 'deep-object' }
  /** An object whose members become parameters of their own. */
  | { kind: 'spread' };

export interface ParameterModel {
  name: string;
  in: 'path' | 'query' | 'header';
  required: boolean;
  schema: JsonSchema;
  serialization: Serialization;
}

export interface ActionModel {
  id: string;
  /** The exported constant's name in the generated source. */
  exportName: string;
  name: string;
  description?: string;
  method: HttpMethod;
  /** The spec's path template, relative to the base URL: `/v2/checkout/orders/{id}`. */
  path: string;
  operationId?: string;
  parameters: ParameterModel[];
  body?: { required: boolean; encoding: BodyEncoding; contentType: string; schema: JsonSchema };
  /** `{ type: 'object', properties: { path, query, headers, body } }`, definitions referenced by `$ref`. */
  input: JsonSchema;
  output: JsonSchema;
  /** Shared definitions `input` and `output` need, directly or through each other. */
  inputDefinitions: string[];
  outputDefinitions: string[];
}

export interface ApiModel {
  id: string;
  title: string;
  version: string;
  description?: string;
  specification: string;
  /** Absolute, without a trailing slash; the first is the default. */
  servers: string[];
  auth: AuthModel[];
  /** Schemes the SDK cannot declare (openIdConnect, implicit flows…), said in the generated source. */
  unsupportedAuth: string[];
  /** Shared schemas by key, each already converted. */
  definitions: Record<string, JsonSchema>;
  actions: ActionModel[];
  /** Operations left out and schema details dropped, for the user to review. */
  warnings: string[];
}

export interface ImportOptions {
  /** A file path or URL (JSON or YAML), or the parsed document. */
  spec: string | object;
  /** The connector id (kebab-case). */
  id: string;
  /** Replaces the spec's servers; needed when the spec has none or only relative ones. */
  baseUrl?: string;
  /** Default true: stop at a document that breaks the OpenAPI/Swagger schema. */
  validate?: boolean;
}

export interface ImportResult {
  model: ApiModel;
  /** Paths relative to the output folder. */
  files: GeneratedFile[];
}

export async function importOpenApi(options: ImportOptions): Promise<ImportResult> {
  const document = await loadOpenApiDocument(options.spec, { validate: options.validate ?? true });
  const model = describeOpenApi(document, options);
  return { model, files: connectorSource(model) };
}

/** Parses and validates, then bundles: external `$ref`s are pulled in, internal ones are kept. */
export async function loadOpenApiDocument(spec: string | object, options: { validate: boolean }): Promise<Record<string, unknown>> {
  // The parser dereferences what it is given in place; each step gets its own copy.
  const copy = () => (typeof spec === 'string' ? spec : structuredClone(spec));
  if (options.validate) {
    const result = await validate(copy() as Parameters<typeof validate>[0]);
    if (!result.valid) throw new Error(compileErrors(result));
  }
  const document = (await bundle(copy() as Parameters<typeof bundle>[0])) as unknown;
  if (!isObject(document) || !isObject(document.paths)) throw new Error('not an OpenAPI or Swagger document: it has no paths');
  return document;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head'] as const;

/** Headers the spec must not describe as parameters (OpenAPI 3.x §4.8.12): the engine sets them. */
const RESERVED_HEADERS = new Set(['accept', 'content-type', 'authorization']);

export function describeOpenApi(document: Record<string, unknown>, options: { id: string; baseUrl?: string }): ApiModel {
  const isSwagger2 = typeof document.swagger === 'string';
  const info = isObject(document.info) ? document.info : {};
  const warnings = new Set<string>();
  const definitions = new DefinitionTable(document, isSwagger2, warnings);

  const servers = options.baseUrl !== undefined ? [trimSlash(options.baseUrl)] : serverUrls(document, isSwagger2);
  if (servers.length === 0) throw new Error('the spec names no absolute server URL; pass a base URL (--base-url https://…)');
  const { auth, unsupported } = authSchemes(document, isSwagger2, servers[0]!);

  const actions: ActionModel[] = [];
  const ids = new Set<string>();
  const exportNames = new Set<string>();
  for (const [path, item] of Object.entries(document.paths as Record<string, unknown>)) {
    const pathItem = definitions.deref(item);
    if (!isObject(pathItem)) continue;
    for (const method of METHODS) {
      const operation = definitions.deref(pathItem[method]);
      if (!isObject(operation)) continue;
      const where = `${method.toUpperCase()} ${path}`;
      const action = describeOperation({
        document, definitions, isSwagger2, path, method, pathItem, operation, ids, exportNames,
        warn: (text) => warnings.add(`${where}: ${text}`),
      });
      if (action !== undefined) actions.push(action);
    }
    if (pathItem.options !== undefined) warnings.add(`OPTIONS ${path}: the SDK has no OPTIONS requests; left out`);
  }
  if (actions.length === 0) throw new Error('the spec has no operations the SDK can express');

  return {
    id: options.id,
    title: text(info.title) ?? options.id,
    version: text(info.version) ?? '',
    ...(text(info.description) === undefined ? {} : { description: text(info.description) }),
    specification: isSwagger2 ? `Swagger ${String(document.swagger)}` : `OpenAPI ${String(document.openapi)}`,
    servers,
    auth,
    unsupportedAuth: unsupported,
    definitions: definitions.converted(),
    actions,
    warnings: [...warnings],
  };
}

interface OperationSource {
  document: Record<string, unknown>;
  definitions: DefinitionTable;
  isSwagger2: boolean;
  path: string;
  method: (typeof METHODS)[number];
  pathItem: Record<string, unknown>;
  operation: Record<string, unknown>;
  ids: Set<string>;
  exportNames: Set<string>;
  warn(text: string): void;
}

function describeOperation(source: OperationSource): ActionModel | undefined {
  const { definitions, isSwagger2, operation, pathItem, warn } = source;
  const parameters: ParameterModel[] = [];
  const formFields: Array<{ name: string; required: boolean; schema: JsonSchema; isFile: boolean }> = [];
  let bodyParameter: { required: boolean; schema: unknown } | undefined;

  // Operation parameters override the path item's with the same name and location.
  const merged = new Map<string, Record<string, unknown>>();
  for (const raw of [...list(pathItem.parameters), ...list(operation.parameters)]) {
    const parameter = definitions.deref(raw);
    if (isObject(parameter) && typeof parameter.name === 'string') merged.set(`${String(parameter.in)}:${parameter.name}`, parameter);
  }
  const context = definitions.context();
  for (const parameter of merged.values()) {
    const name = parameter.name as string;
    const location = parameter.in;
    const required = parameter.required === true || location === 'path';
    if (location === 'body') {
      bodyParameter = { required, schema: parameter.schema };
      continue;
    }
    const schema = toJsonSchema(parameterSchema(parameter, isSwagger2), context);
    if (typeof parameter.description === 'string' && schema.description === undefined && schema.$ref === undefined) schema.description = parameter.description;
    if (location === 'formData') {
      formFields.push({ name, required, schema, isFile: parameter.type === 'file' });
    } else if (location === 'path' || location === 'query' || location === 'header') {
      if (location === 'header' && RESERVED_HEADERS.has(name.toLowerCase())) continue;
      parameters.push({ name, in: location, required, schema, serialization: serialization(parameter, location, schema, isSwagger2) });
    } else {
      warn(`${String(location)} parameter "${name}" is not supported; left out${required ? ' (it is required: add it by hand)' : ''}`);
    }
  }

  let body: ActionModel['body'];
  if (isSwagger2) {
    const consumes = list(operation.consumes ?? source.document.consumes).filter((type): type is string => typeof type === 'string');
    if (bodyParameter !== undefined) {
      body = { required: bodyParameter.required, encoding: 'json', contentType: 'application/json', schema: toJsonSchema(bodyParameter.schema, context) };
    } else if (formFields.length > 0) {
      const multipart = formFields.some((field) => field.isFile) || consumes.includes('multipart/form-data');
      body = {
        required: formFields.some((field) => field.required),
        encoding: multipart ? 'multipart' : 'form',
        contentType: multipart ? 'multipart/form-data' : 'application/x-www-form-urlencoded',
        schema: {
          type: 'object',
          properties: Object.fromEntries(formFields.map((field) => [field.name, field.schema])),
          ...requiredList(formFields),
        },
      };
    }
  } else if (operation.requestBody !== undefined) {
    const requestBody = definitions.deref(operation.requestBody);
    const content = isObject(requestBody) && isObject(requestBody.content) ? requestBody.content : {};
    const chosen = chooseContent(Object.keys(content));
    if (chosen === undefined) {
      warn(`request body types ${Object.keys(content).join(', ') || '(none)'} are not JSON, form or multipart; left out`);
      return undefined;
    }
    const media = definitions.deref(content[chosen.contentType]);
    body = {
      required: isObject(requestBody) && requestBody.required === true,
      encoding: chosen.encoding,
      contentType: chosen.contentType,
      schema: toJsonSchema(isObject(media) ? media.schema : undefined, context),
    };
  }

  const output = toJsonSchema(successSchema(operation, definitions, isSwagger2), context);
  const input = inputSchema(parameters, body);
  const id = uniqueId(source.ids, kebabCase(typeof operation.operationId === 'string' ? operation.operationId : `${source.method} ${source.path}`));
  const summary = text(operation.summary);
  const description = [operation.deprecated === true ? 'Deprecated.' : undefined, text(operation.description)].filter(Boolean).join(' ');

  return {
    id,
    exportName: uniqueId(source.exportNames, exportName(id), ''),
    name: summary ?? sentence(id),
    ...(description === '' || description === summary ? {} : { description }),
    method: source.method.toUpperCase() as HttpMethod,
    path: source.path,
    ...(typeof operation.operationId === 'string' ? { operationId: operation.operationId } : {}),
    parameters,
    ...(body === undefined ? {} : { body }),
    input,
    output,
    inputDefinitions: definitions.closure(collectRefs(input)),
    outputDefinitions: definitions.closure(collectRefs(output)),
  };
}

function inputSchema(parameters: ParameterModel[], body: ActionModel['body']): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const location of ['path', 'query', 'header'] as const) {
    const group = parameters.filter((parameter) => parameter.in === location);
    if (group.length === 0) continue;
    const key = location === 'header' ? 'headers' : location;
    properties[key] = {
      type: 'object',
      properties: Object.fromEntries(group.map((parameter) => [parameter.name, parameter.schema])),
      ...requiredList(group),
      additionalProperties: false,
    };
    if (group.some((parameter) => parameter.required)) required.push(key);
  }
  if (body !== undefined) {
    properties.body = body.schema;
    if (body.required) required.push('body');
  }
  return { type: 'object', properties, ...(required.length > 0 ? { required } : {}), additionalProperties: false };
}

function requiredList(fields: ReadonlyArray<{ name: string; required: boolean }>): { required?: string[] } {
  const names = fields.filter((field) => field.required).map((field) => field.name);
  return names.length > 0 ? { required: names } : {};
}

function parameterSchema(parameter: Record<string, unknown>, isSwagger2: boolean): unknown {
  if (!isSwagger2) {
    if (parameter.schema !== undefined) return parameter.schema;
    // `content` instead of `schema`: one media type whose schema describes the value.
    const content = isObject(parameter.content) ? Object.values(parameter.content)[0] : undefined;
    return isObject(content) ? content.schema : undefined;
  }
  // Swagger 2 puts the schema keywords on the parameter itself.
  const { name: _name, in: _in, required: _required, description: _description, collectionFormat: _format, allowEmptyValue: _empty, ...schema } = parameter;
  return schema;
}

function serialization(parameter: Record<string, unknown>, location: ParameterModel['in'], schema: JsonSchema, isSwagger2: boolean): Serialization {
  const type = schema.type;
  const isArray = type === 'array' || (Array.isArray(type) && type.includes('array'));
  const isObjectType = type === 'object' || (Array.isArray(type) && type.includes('object'));
  if (isSwagger2) {
    if (!isArray) return { kind: 'plain' };
    const format = typeof parameter.collectionFormat === 'string' ? parameter.collectionFormat : 'csv';
    if (format === 'multi') return location === 'query' ? { kind: 'repeat' } : { kind: 'join', separator: ',' };
    return { kind: 'join', separator: { csv: ',', ssv: ' ', tsv: '\t', pipes: '|' }[format] ?? ',' };
  }
  const style = typeof parameter.style === 'string' ? parameter.style : location === 'query' ? 'form' : 'simple';
  const explode = typeof parameter.explode === 'boolean' ? parameter.explode : style === 'form';
  if (isArray) {
    if (location === 'query' && style === 'form' && explode) return { kind: 'repeat' };
    return { kind: 'join', separator: style === 'spaceDelimited' ? ' ' : style === 'pipeDelimited' ? '|' : ',' };
  }
  if (isObjectType && location === 'query') return style === 'deepObject' ? { kind: 'deep-object' } : { kind: 'spread' };
  return { kind: 'plain' };
}

function chooseContent(types: string[]): { contentType: string; encoding: BodyEncoding } | undefined {
  const lower = (type: string) => type.toLowerCase().split(';')[0]!.trim();
  const json = types.find((type) => /^application\/(?:[\w.-]+\+)?json$/.test(lower(type)) || lower(type) === '*/*');
  if (json !== undefined) return { contentType: json, encoding: 'json' };
  const form = types.find((type) => lower(type) === 'application/x-www-form-urlencoded');
  if (form !== undefined) return { contentType: form, encoding: 'form' };
  const multipart = types.find((type) => lower(type) === 'multipart/form-data');
  if (multipart !== undefined) return { contentType: multipart, encoding: 'multipart' };
  return undefined;
}

/** The first 2xx response's body schema; an empty schema when it has none (204, text). */
function successSchema(operation: Record<string, unknown>, definitions: DefinitionTable, isSwagger2: boolean): unknown {
  const responses = isObject(operation.responses) ? operation.responses : {};
  const code = Object.keys(responses).filter((status) => /^2(?:\d\d|XX)$/i.test(status)).sort()[0];
  const response = code === undefined ? undefined : definitions.deref(responses[code]);
  if (!isObject(response)) return undefined;
  if (isSwagger2) return response.schema;
  const content = isObject(response.content) ? response.content : {};
  const json = Object.keys(content).find((type) => /json/i.test(type)) ?? Object.keys(content)[0];
  const media = json === undefined ? undefined : definitions.deref(content[json]);
  return isObject(media) ? media.schema : undefined;
}

function serverUrls(document: Record<string, unknown>, isSwagger2: boolean): string[] {
  if (isSwagger2) {
    if (typeof document.host !== 'string') return [];
    const schemes = list(document.schemes).filter((scheme): scheme is string => scheme === 'https' || scheme === 'http');
    const basePath = typeof document.basePath === 'string' ? document.basePath : '';
    return [trimSlash(`${schemes.includes('https') || schemes.length === 0 ? 'https' : 'http'}://${document.host}${basePath}`)];
  }
  const urls: string[] = [];
  for (const server of list(document.servers)) {
    if (!isObject(server) || typeof server.url !== 'string') continue;
    const variables = isObject(server.variables) ? server.variables : {};
    const url = server.url.replace(/\{([^}]+)\}/g, (whole, name: string) => {
      const variable = variables[name];
      return isObject(variable) && variable.default !== undefined ? String(variable.default) : whole;
    });
    if (/^https?:\/\/[^{}]+$/.test(url)) urls.push(trimSlash(url));
  }
  return [...new Set(urls)];
}

function authSchemes(document: Record<string, unknown>, isSwagger2: boolean, server: string): { auth: AuthModel[]; unsupported: string[] } {
  const declared = isSwagger2 ? document.securityDefinitions : isObject(document.components) ? document.components.securitySchemes : undefined;
  const auth: AuthModel[] = [];
  const unsupported: string[] = [];
  // Relative token URLs are relative to the server (OpenAPI 3.x §4.8.27).
  const absolute = (url: unknown) => new URL(String(url), server + '/').toString();
  for (const [scheme, value] of Object.entries(isObject(declared) ? declared : {})) {
    if (!isObject(value)) continue;
    const type = String(value.type);
    if (type === 'apiKey' && (value.in === 'header' || value.in === 'query') && typeof value.name === 'string') {
      auth.push({ scheme, kind: 'api-key', in: value.in, name: value.name });
    } else if (type === 'basic' || (type === 'http' && String(value.scheme).toLowerCase() === 'basic')) {
      auth.push({ scheme, kind: 'basic' });
    } else if (type === 'http' && String(value.scheme).toLowerCase() === 'bearer') {
      auth.push({ scheme, kind: 'bearer' });
    } else if (type === 'oauth2' && isSwagger2) {
      const scopes = Object.keys(isObject(value.scopes) ? value.scopes : {});
      if (value.flow === 'application') auth.push({ scheme, kind: 'oauth2-client-credentials', tokenUrl: absolute(value.tokenUrl), scopes });
      else if (value.flow === 'accessCode') {
        auth.push({ scheme, kind: 'oauth2-authorization-code', authorizationUrl: absolute(value.authorizationUrl), tokenUrl: absolute(value.tokenUrl), scopes });
      } else unsupported.push(`${scheme}: OAuth 2 ${String(value.flow)} flow`);
    } else if (type === 'oauth2') {
      const flows = isObject(value.flows) ? value.flows : {};
      for (const [flow, settings] of Object.entries(flows)) {
        if (!isObject(settings)) continue;
        const scopes = Object.keys(isObject(settings.scopes) ? settings.scopes : {});
        if (flow === 'clientCredentials') auth.push({ scheme, kind: 'oauth2-client-credentials', tokenUrl: absolute(settings.tokenUrl), scopes });
        else if (flow === 'authorizationCode') {
          auth.push({ scheme, kind: 'oauth2-authorization-code', authorizationUrl: absolute(settings.authorizationUrl), tokenUrl: absolute(settings.tokenUrl), scopes });
        } else unsupported.push(`${scheme}: OAuth 2 ${flow} flow`);
      }
    } else if (type === 'openIdConnect') {
      unsupported.push(`${scheme}: OpenID Connect (${String(value.openIdConnectUrl)})`);
    } else {
      unsupported.push(`${scheme}: ${type}${value.scheme === undefined ? '' : ` ${String(value.scheme)}`}${value.in === undefined ? '' : ` in ${String(value.in)}`}`);
    }
  }
  return { auth, unsupported };
}

/**
 * The spec's named schemas (`components.schemas`, Swagger 2 `definitions`) become shared
 * definitions, converted once and referenced with `$ref: '#/$defs/<key>'`; that keeps large specs'
 * output small and handles recursive schemas. Any other `$ref` is inlined.
 */
class DefinitionTable {
  private readonly keys = new Map<string, string>();
  private readonly schemas = new Map<string, unknown>();
  private readonly done = new Map<string, { schema: JsonSchema; refs: Set<string> }>();

  constructor(
    private readonly document: Record<string, unknown>,
    isSwagger2: boolean,
    private readonly warnings: Set<string>,
  ) {
    const prefix = isSwagger2 ? '#/definitions/' : '#/components/schemas/';
    const named = isSwagger2 ? document.definitions : isObject(document.components) ? document.components.schemas : undefined;
    const taken = new Set<string>();
    for (const [name, schema] of Object.entries(isObject(named) ? named : {})) {
      // Keys go into JSON pointers and TypeScript property names: keep them plain.
      const key = uniqueId(taken, name.replace(/[^A-Za-z0-9._-]/g, '_'), '_');
      this.keys.set(prefix + escapePointer(name), key);
      this.schemas.set(key, schema);
    }
  }

  context(): ConversionContext {
    return {
      definitionKey: (ref) => this.keys.get(ref),
      resolve: (ref) => this.resolve(ref),
      used: new Set(),
      warnings: this.warnings,
    };
  }

  deref(value: unknown): unknown {
    for (let hops = 0; isObject(value) && typeof value.$ref === 'string'; hops++) {
      if (hops > 20) throw new Error(`$ref chain too long at ${value.$ref}`);
      value = this.resolve(value.$ref);
    }
    return value;
  }

  resolve(ref: string): unknown {
    if (!ref.startsWith('#')) throw new Error(`unresolved external $ref ${ref}`);
    let node: unknown = this.document;
    for (const part of ref.slice(1).split('/').slice(1)) {
      const key = decodeURIComponent(part).replace(/~1/g, '/').replace(/~0/g, '~');
      node = isObject(node) || Array.isArray(node) ? (node as Record<string, unknown>)[key] : undefined;
      if (node === undefined) throw new Error(`$ref ${ref} points at nothing`);
    }
    return node;
  }

  /** `keys` and every definition they reach, sorted. */
  closure(keys: Iterable<string>): string[] {
    const reached = new Set<string>();
    const visit = (key: string) => {
      if (reached.has(key)) return;
      reached.add(key);
      for (const next of this.convert(key).refs) visit(next);
    };
    for (const key of keys) visit(key);
    return [...reached].sort();
  }

  converted(): Record<string, JsonSchema> {
    return Object.fromEntries([...this.done.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([key, { schema }]) => [key, schema]));
  }

  private convert(key: string): { schema: JsonSchema; refs: Set<string> } {
    let entry = this.done.get(key);
    if (entry === undefined) {
      const context = this.context();
      entry = { schema: toJsonSchema(this.schemas.get(key), context), refs: context.used };
      this.done.set(key, entry);
    }
    return entry;
  }
}

function collectRefs(schema: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(schema)) schema.forEach((item) => collectRefs(item, into));
  else if (isObject(schema)) {
    if (typeof schema.$ref === 'string' && schema.$ref.startsWith('#/$defs/')) into.add(schema.$ref.slice('#/$defs/'.length));
    for (const value of Object.values(schema)) collectRefs(value, into);
  }
  return into;
}

function escapePointer(name: string): string {
  return name.replace(/~/g, '~0').replace(/\//g, '~1');
}

export function kebabCase(text: string): string {
  const words = text
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1-$2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  const id = words.join('-');
  return /^[a-z]/.test(id) ? id : `op-${id || 'unnamed'}`;
}

function uniqueId(taken: Set<string>, id: string, separator = '-'): string {
  let candidate = id;
  for (let n = 2; taken.has(candidate); n++) candidate = `${id}${separator}${n}`;
  taken.add(candidate);
  return candidate;
}

/** Names the generated modules use themselves, and words that cannot name a constant. */
const RESERVED_NAMES = new Set([
  'defineConnector', 'defineAction', 'schema', 'connector', 'defs', 'Defs', 'apiKey', 'basic', 'bearer',
  'oauth2ClientCredentials', 'oauth2AuthorizationCode', 'pathValue', 'headerValues', 'queryValue', 'joined', 'deepObject',
  'break', 'case', 'catch', 'class', 'const', 'continue', 'debugger', 'default', 'delete', 'do', 'else', 'enum', 'export',
  'extends', 'false', 'finally', 'for', 'function', 'if', 'import', 'in', 'instanceof', 'new', 'null', 'return', 'super',
  'switch', 'this', 'throw', 'true', 'try', 'typeof', 'var', 'void', 'while', 'with', 'yield', 'let', 'static',
  'implements', 'interface', 'package', 'private', 'protected', 'public', 'await',
]);

function exportName(id: string): string {
  const camel = id.replace(/-([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());
  return RESERVED_NAMES.has(camel) ? `${camel}Action` : camel;
}

function sentence(id: string): string {
  const words = id.replace(/-/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
