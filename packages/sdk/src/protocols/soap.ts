import { XMLParser, XMLValidator } from 'fast-xml-parser';
import {
  isConnectorError,
  PermanentError,
  RetryableError,
  ValidationError,
  type ConnectorError,
} from '../errors.ts';
import type { HttpResponse } from '../request.ts';

/**
 * SOAP 1.1 and 1.2 envelopes for document/literal operations (what WSDL-described services such
 * as NetSuite SuiteTalk use). XML is written here by hand, with strict escaping, and read with
 * fast-xml-parser with entity processing off: a response that declares a DTD is refused before
 * parsing, so entity-expansion bombs and external entities never reach a parser.
 */

export type SoapVersion = '1.1' | '1.2';

const ENVELOPE_NAMESPACE: Record<SoapVersion, string> = {
  '1.1': 'http://schemas.xmlsoap.org/soap/envelope/',
  '1.2': 'http://www.w3.org/2003/05/soap-envelope',
};
const VERSION_BY_NAMESPACE = new Map(Object.entries(ENVELOPE_NAMESPACE).map(([version, uri]) => [uri, version as SoapVersion]));
const ENVELOPE_PREFIX = 'soapenv';
const XML_NAMESPACE = 'http://www.w3.org/XML/1998/namespace';

/**
 * An XML element as a JS value. Keys are element names (`'platformMsgs:get'`); `'@_name'` keys
 * are attributes and `'#text'` is text beside them. An array repeats the element; `null` and
 * `undefined` leave it out (write `{ '@_xsi:nil': 'true' }` to send a nil). A `Date` is written as
 * an ISO 8601 `xsd:dateTime` in UTC.
 */
export type XmlValue = string | number | bigint | boolean | Date | null | undefined | readonly XmlValue[] | XmlElement;
export interface XmlElement {
  readonly [name: string]: XmlValue;
}

export interface EnvelopeSpec {
  version: SoapVersion;
  /** Prefix → URI, declared on the Envelope. `soapenv` is the envelope's own prefix and taken. */
  namespaces?: Readonly<Record<string, string>>;
  /** SOAP header blocks, e.g. `{ 'platformMsgs:tokenPassport': { … } }`. */
  header?: XmlElement;
  /** The operation element, e.g. `{ 'platformMsgs:get': { 'platformMsgs:baseRef': { '@_internalId': '42' } } }`. */
  body: XmlElement;
}

// Element and attribute names: an NCName, optionally prefixed. Checked because a name is written
// into the document unescaped, so a name from input must not be able to add markup.
const NCNAME = '[\\p{L}_][\\p{L}\\p{N}_.\\-]*';
const NAME_PATTERN = new RegExp(`^${NCNAME}(?::${NCNAME})?$`, 'u');
const NCNAME_PATTERN = new RegExp(`^${NCNAME}$`, 'u');
// Characters XML 1.0 cannot carry at all, even escaped (§2.2), and unpaired surrogates.
const INVALID_XML_CHAR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/u;
// Serializing a cyclic object would otherwise recurse until the stack overflows.
const MAX_BUILD_DEPTH = 100;

/** The request body for one SOAP call, as an XML string with a UTF-8 declaration. */
export function buildEnvelope(spec: EnvelopeSpec): string {
  const { version, namespaces = {}, header, body } = spec;
  const envelopeNamespace = ENVELOPE_NAMESPACE[version];
  if (envelopeNamespace === undefined) throw new TypeError(`buildEnvelope: version must be '1.1' or '1.2', got ${JSON.stringify(version)}`);
  const declarations = [`xmlns:${ENVELOPE_PREFIX}="${escapeAttribute(envelopeNamespace, 'namespace')}"`];
  const declared = new Set([ENVELOPE_PREFIX, 'xml']);
  for (const [prefix, uri] of Object.entries(namespaces)) {
    if (!NCNAME_PATTERN.test(prefix) || prefix.includes('.') || /^xml/i.test(prefix)) {
      throw new TypeError(`buildEnvelope: namespace prefix ${JSON.stringify(prefix)} is not a valid prefix`);
    }
    if (prefix === ENVELOPE_PREFIX) throw new TypeError(`buildEnvelope: the prefix "${ENVELOPE_PREFIX}" is the envelope's own; choose another`);
    if (typeof uri !== 'string' || uri === '') throw new TypeError(`buildEnvelope: namespace ${prefix} needs a URI`);
    declarations.push(`xmlns:${prefix}="${escapeAttribute(uri, `namespace ${prefix}`)}"`);
    declared.add(prefix);
  }
  if (!isElementObject(body) || Object.keys(body).length === 0) {
    throw new TypeError('buildEnvelope: body must be an object holding the operation element, e.g. { "ns:get": { … } }');
  }
  if (header !== undefined && !isElementObject(header)) throw new TypeError('buildEnvelope: header must be an object of header blocks');

  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>', `<${ENVELOPE_PREFIX}:Envelope ${declarations.join(' ')}>`];
  if (header !== undefined && Object.keys(header).length > 0) {
    out.push(`<${ENVELOPE_PREFIX}:Header>`);
    writeChildren(header, declared, out, 2);
    out.push(`</${ENVELOPE_PREFIX}:Header>`);
  }
  out.push(`<${ENVELOPE_PREFIX}:Body>`);
  writeChildren(body, declared, out, 2);
  out.push(`</${ENVELOPE_PREFIX}:Body></${ENVELOPE_PREFIX}:Envelope>`);
  return out.join('');
}

function writeChildren(element: XmlElement, declared: ReadonlySet<string>, out: string[], depth: number): void {
  for (const [name, value] of Object.entries(element)) {
    if (name.startsWith('@_') || name === '#text') continue;
    writeElement(name, value, declared, out, depth);
  }
}

function writeElement(name: string, value: XmlValue, declared: ReadonlySet<string>, out: string[], depth: number): void {
  if (value === undefined || value === null) return;
  if (depth > MAX_BUILD_DEPTH) throw new TypeError(`buildEnvelope: elements nest deeper than ${MAX_BUILD_DEPTH} (a cycle?) at <${name}>`);
  if (Array.isArray(value)) {
    for (const item of value as readonly XmlValue[]) {
      if (Array.isArray(item)) throw new TypeError(`buildEnvelope: <${name}> holds an array inside an array; repeat the element with one array`);
      writeElement(name, item, declared, out, depth);
    }
    return;
  }
  if (!isElementObject(value)) {
    checkName(name, declared, 'element');
    const text = scalarText(value as XmlValue, `<${name}>`);
    out.push(text === '' ? `<${name}/>` : `<${name}>${escapeText(text, `<${name}>`)}</${name}>`);
    return;
  }

  // Prefixes declared on this element (`@_xmlns:p`) are in scope for it and its children.
  let scope = declared;
  for (const key of Object.keys(value)) {
    if (key.startsWith('@_xmlns:')) scope = new Set([...scope, key.slice('@_xmlns:'.length)]);
  }
  checkName(name, scope, 'element');
  let start = `<${name}`;
  for (const [key, attribute] of Object.entries(value)) {
    if (!key.startsWith('@_') || attribute === undefined || attribute === null) continue;
    const attributeName = key.slice(2);
    if (attributeName !== 'xmlns' && !attributeName.startsWith('xmlns:')) checkName(attributeName, scope, 'attribute', name);
    else if (!NAME_PATTERN.test(attributeName)) throw new TypeError(`buildEnvelope: invalid namespace declaration ${JSON.stringify(attributeName)} on <${name}>`);
    if (typeof attribute === 'object' && !(attribute instanceof Date)) throw new TypeError(`buildEnvelope: attribute ${attributeName} on <${name}> must be a scalar`);
    const where = `attribute ${attributeName} on <${name}>`;
    start += ` ${attributeName}="${escapeAttribute(scalarText(attribute as XmlValue, where), where)}"`;
  }
  const text = value['#text'] === undefined || value['#text'] === null ? '' : scalarText(value['#text'], `<${name}>`);
  const children: string[] = [];
  writeChildren(value, scope, children, depth + 1);
  if (text === '' && children.length === 0) {
    out.push(`${start}/>`);
    return;
  }
  out.push(`${start}>`, escapeText(text, `<${name}>`), ...children, `</${name}>`);
}

function checkName(name: string, declared: ReadonlySet<string>, kind: 'element' | 'attribute', owner?: string): void {
  const where = owner === undefined ? '' : ` on <${owner}>`;
  if (!NAME_PATTERN.test(name)) throw new TypeError(`buildEnvelope: ${JSON.stringify(name)} is not a valid XML ${kind} name${where}`);
  const colon = name.indexOf(':');
  if (colon > 0 && !declared.has(name.slice(0, colon))) {
    throw new TypeError(`buildEnvelope: prefix "${name.slice(0, colon)}" of ${kind} ${name}${where} is not declared; add it to namespaces`);
  }
}

function scalarText(value: XmlValue, where: string): string {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new TypeError(`buildEnvelope: ${where} is an invalid Date`);
    return value.toISOString();
  }
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`buildEnvelope: ${where} is ${value}, which XML Schema numbers cannot carry here`);
      return String(value);
    case 'bigint':
    case 'boolean':
      return String(value);
  }
  throw new TypeError(`buildEnvelope: ${where} must be text, a number, a boolean or a Date`);
}

function escapeText(text: string, where: string): string {
  if (INVALID_XML_CHAR.test(text)) throw new TypeError(`buildEnvelope: ${where} contains a character XML 1.0 cannot carry`);
  // `>` too, so `]]>` in data can never end a CDATA section or confuse a lax parser; CR as a
  // reference because parsers normalize a literal one to LF.
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#13;');
}

function escapeAttribute(text: string, where: string): string {
  if (INVALID_XML_CHAR.test(text)) throw new TypeError(`buildEnvelope: ${where} contains a character XML 1.0 cannot carry`);
  // Whitespace as references: attribute-value normalization would turn a literal one into a space.
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/\t/g, '&#9;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;');
}

function isElementObject(value: unknown): value is XmlElement {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Date) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * The HTTP headers a SOAP call needs. 1.1 carries the operation's `soapAction` (from the WSDL
 * binding) in a quoted `SOAPAction` header; 1.2 moves it into the content type's `action`.
 */
export function soapHeaders(version: SoapVersion, action = ''): Record<string, string> {
  if (typeof action !== 'string' || /["\\\u0000-\u001F\u007F]/.test(action)) {
    throw new TypeError(`soapHeaders: action ${JSON.stringify(action)} must be text without quotes, backslashes or control characters`);
  }
  if (version === '1.1') return { 'content-type': 'text/xml; charset=utf-8', soapaction: `"${action}"` };
  if (version === '1.2') {
    return { 'content-type': `application/soap+xml; charset=utf-8${action === '' ? '' : `; action="${action}"`}` };
  }
  throw new TypeError(`soapHeaders: version must be '1.1' or '1.2', got ${JSON.stringify(version)}`);
}

/** A SOAP Fault, read the same way for both versions. */
export interface SoapFault {
  version: SoapVersion;
  /**
   * The fault code's local name: `Client`, `Server`, `VersionMismatch`, `MustUnderstand` (1.1);
   * `Sender`, `Receiver`, `VersionMismatch`, `MustUnderstand`, `DataEncodingUnknown` (1.2).
   */
  code: string;
  /** 1.1's dotted refinements (`Server.userException` → `['userException']`); 1.2's Subcode values. */
  subcodes: string[];
  /** `faultstring` (1.1) or the `Reason` text, English preferred (1.2). */
  message: string;
  /** `faultactor` (1.1) or `Role` (1.2). */
  actor?: string;
  /** The detail element's content by local names, e.g. NetSuite's `{ invalidCredentialsFault: { code, message }, hostname }`. */
  detail?: unknown;
}

export interface ParseEnvelopeOptions {
  /** Larger documents are refused before parsing. Defaults to 16 MiB. */
  maxBytes?: number;
  /** Elements nested deeper than this (the Envelope is depth 1) are refused. Defaults to 64. */
  maxDepth?: number;
  /**
   * Element and attribute names keep their prefixes (`'platformCore:status'`) and `xmlns`
   * declarations stay as attributes. Off by default: prefixes are the sender's choice and change
   * between responses (NetSuite writes the same element as `platformMsgs:x` or with a default
   * namespace), so names are matched by local name. Turn it on only when two namespaces use the
   * same local name in one element, which local names would merge into an array.
   */
  keepPrefixes?: boolean;
  /**
   * Element names always read as arrays, even when one element came back. XML cannot tell a list
   * of one from a single child, so a WSDL `maxOccurs="unbounded"` element belongs here
   * (e.g. `['record', 'customField', 'statusDetail']`).
   */
  arrays?: readonly string[];
  /** The vendor's reading of its faults, consulted first; undefined falls back to the fault code. */
  classifyFault?: (fault: SoapFault, status: number | undefined) => ConnectorError | undefined;
  /** The HTTP status, recorded on the errors thrown. */
  status?: number;
}

export interface SoapEnvelope {
  version: SoapVersion;
  /** Header blocks by name; undefined when there is no Header. */
  header?: Record<string, unknown>;
  /** The Body's children, e.g. `{ getResponse: { readResponse: { … } } }`. */
  body: Record<string, unknown>;
}

const DEFAULT_MAX_BYTES = 16 * 1024 * 1024;
const DEFAULT_MAX_DEPTH = 64;
// SOAP forbids a DTD in a message (1.1 §3, 1.2 part 1 §5), so no legitimate response has one.
const DTD_PATTERN = /<!\s*(?:DOCTYPE|ENTITY)/i;

/**
 * Reads a SOAP response. Text and attribute values come back as strings (XML carries no JS
 * types; the WSDL's schema says `balance` is a double), whitespace as sent, with the five
 * predefined entities and character references decoded and CDATA taken literally. An element
 * with neither attributes nor children is its text; otherwise `'@_name'` keys hold attributes
 * and `'#text'` its text.
 *
 * Throws a ConnectorError for a Fault (see `soapFaultError`) and a PermanentError for a document
 * it will not read: too large, too deep, a DTD (`ERR_SOAP_UNSAFE_XML`), not well-formed or not a
 * SOAP envelope.
 */
export function parseEnvelope(xml: string | Uint8Array, options: ParseEnvelopeOptions = {}): SoapEnvelope {
  const { maxBytes = DEFAULT_MAX_BYTES, maxDepth = DEFAULT_MAX_DEPTH, status } = options;
  const errorOptions = status === undefined ? {} : { status };
  const size = typeof xml === 'string' ? Buffer.byteLength(xml, 'utf8') : xml.byteLength;
  if (size > maxBytes) {
    throw new PermanentError('ERR_SOAP_TOO_LARGE', {
      ...errorOptions,
      message: `The destination's SOAP response is ${size} bytes, over the ${maxBytes}-byte limit.`,
    });
  }
  const text = (typeof xml === 'string' ? xml : new TextDecoder('utf-8').decode(xml)).replace(/^\uFEFF/, '');
  if (DTD_PATTERN.test(text)) {
    throw new PermanentError('ERR_SOAP_UNSAFE_XML', {
      ...errorOptions,
      message:
        "The destination's SOAP response declares a DTD (<!DOCTYPE> or <!ENTITY>), which SOAP forbids and which is how entity-expansion and external-entity attacks arrive; it was refused unread.",
    });
  }

  const malformed = (why: string): PermanentError =>
    new PermanentError('ERR_SOAP_MALFORMED', { ...errorOptions, message: `The destination's SOAP response is not well-formed XML: ${why}.` });
  let tree: unknown;
  try {
    // maxNestedTags stops a nesting bomb while it is being read; the walk below applies the exact limit.
    tree = new XMLParser({ ...PARSER_OPTIONS, maxNestedTags: maxDepth }).parse(text);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw /nested/i.test(why) ? tooDeep(maxDepth, errorOptions) : malformed(why);
  }
  // Checked after parsing, once the depth limit has bounded the work: the parser alone accepts
  // mismatched or unclosed tags, and a truncated response must not read as a shorter success.
  const validation = XMLValidator.validate(text);
  if (validation !== true) throw malformed(`${validation.err.msg.replace(/\.$/, '')} (line ${validation.err.line})`);

  const reader = new Reader(options, maxDepth, errorOptions);
  return reader.envelope(tree);
}

const PARSER_OPTIONS = {
  processEntities: false,
  htmlEntities: false,
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  removeNSPrefix: false,
  parseTagValue: false,
  parseAttributeValue: false,
  cdataPropName: '#cdata',
  commentPropName: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  // No callbacks read the path, and building it as a string for every tag costs time.
  jPath: false,
  // Text is kept as sent (xsd:string preserves whitespace); indentation between elements is
  // dropped in the walk instead.
  trimValues: false,
} as const;

function tooDeep(maxDepth: number, errorOptions: { status?: number }): PermanentError {
  return new PermanentError('ERR_SOAP_TOO_DEEP', {
    ...errorOptions,
    message: `The destination's SOAP response nests elements deeper than ${maxDepth} levels; it was refused.`,
  });
}

type RawNode = string | RawElement | RawNode[];
interface RawElement {
  [key: string]: RawNode;
}
type Scope = ReadonlyMap<string, string>;

const ENTITY_PATTERN = /&(?:(lt|gt|amp|quot|apos)|#([0-9]{1,7})|#x([0-9a-fA-F]{1,6}));/g;
const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Walks fast-xml-parser's tree: resolves namespaces, decodes entities and renames per the options. */
class Reader {
  private readonly arrays: ReadonlySet<string>;

  constructor(
    private readonly options: ParseEnvelopeOptions,
    private readonly maxDepth: number,
    private readonly errorOptions: { status?: number },
  ) {
    this.arrays = new Set(options.arrays ?? []);
  }

  envelope(tree: unknown): SoapEnvelope {
    const roots = typeof tree === 'object' && tree !== null ? Object.entries(tree as RawElement) : [];
    const [rootName, root] = roots.length === 1 ? (roots[0] as [string, RawNode]) : [undefined, undefined];
    if (rootName === undefined || localName(rootName) !== 'Envelope' || Array.isArray(root)) throw this.notEnvelope();
    const scope = withDeclarations(new Map([['xml', XML_NAMESPACE]]), root);
    const namespace = namespaceOf(rootName, scope);
    const version = namespace === undefined ? undefined : VERSION_BY_NAMESPACE.get(namespace);
    if (version === undefined) {
      throw new PermanentError('ERR_SOAP_VERSION_MISMATCH', {
        ...this.errorOptions,
        message: `The destination answered with an envelope in an unknown namespace (${namespace ?? 'none'}), not SOAP 1.1 or 1.2.`,
      });
    }
    const envelopeNamespace = ENVELOPE_NAMESPACE[version];
    const parts = typeof root === 'object' ? this.elements(root, scope, envelopeNamespace) : new Map<string, RawNode[]>();
    const bodies = parts.get('Body') ?? [];
    const headers = parts.get('Header') ?? [];
    if (bodies.length !== 1 || headers.length > 1) throw this.notEnvelope();

    const body = bodies[0] as RawNode;
    const fault = typeof body === 'object' ? this.elements(body as RawElement, scope, envelopeNamespace).get('Fault') : undefined;
    // Fault fields are found by local name whatever `keepPrefixes` says, and so is the detail a
    // `classifyFault` hook matches vendor codes in.
    if (fault !== undefined) throw this.faultError(this.fault(version, this.convert(fault[0] as RawNode, 3, true)));
    return {
      version,
      ...(headers.length === 1 ? { header: this.content(headers[0] as RawNode) } : {}),
      body: this.content(body),
    };
  }

  /** Children of `node` in `namespace`, by local name. */
  private elements(node: RawElement, scope: Scope, namespace: string): Map<string, RawNode[]> {
    const found = new Map<string, RawNode[]>();
    const inner = withDeclarations(scope, node);
    for (const [key, value] of Object.entries(node)) {
      if (key.startsWith('@_') || key.startsWith('#') || namespaceOf(key, inner) !== namespace) continue;
      found.set(localName(key), [...(found.get(localName(key)) ?? []), ...(Array.isArray(value) ? value : [value])]);
    }
    return found;
  }

  /** Header or Body: their children as an object, their own attributes dropped. */
  private content(node: RawNode): Record<string, unknown> {
    const converted = this.convert(node, 2, false);
    if (typeof converted === 'string') return {};
    const children = { ...(converted as Record<string, unknown>) };
    for (const key of Object.keys(children)) if (key.startsWith('@_') || key === '#text') delete children[key];
    return children;
  }

  private convert(node: RawNode, depth: number, forceLocal: boolean): unknown {
    if (depth > this.maxDepth) throw tooDeep(this.maxDepth, this.errorOptions);
    if (typeof node === 'string') return decode(node);
    if (Array.isArray(node)) return node.map((item) => this.convert(item, depth, forceLocal));
    const keep = this.options.keepPrefixes === true && !forceLocal;
    const result: Record<string, unknown> = {};
    let text = '';
    let cdata = '';
    let hasAttributes = false;
    let hasChildren = false;
    for (const [key, value] of Object.entries(node)) {
      if (key === '#text') {
        text = decode(strings(value).join(''));
      } else if (key === '#cdata') {
        cdata = strings(value).join('');
      } else if (key.startsWith('@_')) {
        const name = key.slice(2);
        if ((name === 'xmlns' || name.startsWith('xmlns:')) && !keep) continue;
        result[`@_${this.name(keep ? name : localName(name))}`] = decode(strings(value).join(''));
        hasAttributes = true;
      } else {
        const name = this.name(keep ? key : localName(key));
        const items = Array.isArray(value) ? value : [value];
        const converted = items.map((item) => this.convert(item, depth + 1, forceLocal));
        const previous = result[name] as unknown[] | undefined;
        result[name] = previous === undefined ? converted : [...previous, ...converted];
        hasChildren = true;
      }
    }
    for (const [name, values] of Object.entries(result)) {
      if (name.startsWith('@_')) continue;
      const list = values as unknown[];
      result[name] = list.length === 1 && !this.arrays.has(name) ? list[0] : list;
    }
    // Text first, then CDATA: the parser keeps them apart, and SOAP data rarely mixes the two.
    if (!hasAttributes && !hasChildren) return text + cdata;
    // Beside attributes or child elements, whitespace-only text is the sender's indentation.
    const content = (text.trim() === '' ? '' : hasChildren ? text.trim() : text) + cdata;
    if (content !== '') result['#text'] = content;
    return result;
  }

  private name(name: string): string {
    // The parser refuses a bare __proto__; a prefixed one reaches this point with its prefix cut off.
    if (name === '__proto__') {
      throw new PermanentError('ERR_SOAP_UNSAFE_XML', { ...this.errorOptions, message: 'The destination\'s SOAP response uses the element name "__proto__"; it was refused.' });
    }
    return name;
  }

  private fault(version: SoapVersion, raw: unknown): SoapFault {
    const fields = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
    if (version === '1.1') {
      const [code = 'Unknown', ...subcodes] = localName(textOf(fields['faultcode'])).split('.');
      const actor = textOf(fields['faultactor']);
      return {
        version,
        code,
        subcodes,
        message: textOf(fields['faultstring']),
        ...(actor === '' ? {} : { actor }),
        ...(fields['detail'] === undefined ? {} : { detail: fields['detail'] }),
      };
    }
    const codes: string[] = [];
    for (let level = fields['Code']; typeof level === 'object' && level !== null && codes.length < this.maxDepth; level = (level as Record<string, unknown>)['Subcode']) {
      codes.push(localName(textOf((level as Record<string, unknown>)['Value'])));
    }
    const reasons = [(fields['Reason'] as Record<string, unknown> | undefined)?.['Text']].flat();
    const english = reasons.find((reason) => /^en\b/i.test(String((reason as Record<string, unknown> | undefined)?.['@_lang'] ?? '')));
    const actor = textOf(fields['Role']);
    return {
      version,
      code: codes[0] ?? 'Unknown',
      subcodes: codes.slice(1),
      message: textOf(english ?? reasons[0]),
      ...(actor === '' ? {} : { actor }),
      ...(fields['Detail'] === undefined ? {} : { detail: fields['Detail'] }),
    };
  }

  private faultError(fault: SoapFault): ConnectorError {
    const custom = this.options.classifyFault?.(fault, this.errorOptions.status);
    if (custom !== undefined) return custom;
    return soapFaultError(fault, this.errorOptions.status);
  }

  private notEnvelope(): PermanentError {
    return new PermanentError('ERR_SOAP_NOT_ENVELOPE', {
      ...this.errorOptions,
      message: "The destination's response is XML but not a SOAP envelope with one Body.",
    });
  }
}

/**
 * The default reading of a fault, which `classifyFault` can override per vendor: a Client/Sender
 * fault means our message was wrong (ValidationError); a Server/Receiver fault that the
 * destination failed and a retry may succeed (RetryableError); VersionMismatch, MustUnderstand
 * and DataEncodingUnknown that the connector built an envelope the service cannot take
 * (PermanentError, reason `bug`). The fault rides along as `details.fault`.
 */
export function soapFaultError(fault: SoapFault, status?: number): ConnectorError {
  const label = [fault.code, ...fault.subcodes].join('.');
  const words = fault.message.replace(/\s+/g, ' ').trim().replace(/[.\s]+$/, '');
  const said = (sentence: string): string => `${sentence}${words === '' ? '' : `: ${words}`} (SOAP fault ${label})`;
  const options = { ...(status === undefined ? {} : { status }), details: { fault } };
  switch (fault.code) {
    case 'Client':
    case 'Sender':
      return new ValidationError('ERR_SOAP_CLIENT_FAULT', { ...options, message: said('The destination rejected the data we sent') });
    case 'Server':
    case 'Receiver':
      return new RetryableError('ERR_SOAP_SERVER_FAULT', { ...options, message: said('The destination is failing') });
    case 'VersionMismatch':
      return new PermanentError('ERR_SOAP_VERSION_MISMATCH', { ...options, message: said('The destination does not accept this SOAP version') });
    case 'MustUnderstand':
      return new PermanentError('ERR_SOAP_MUST_UNDERSTAND', { ...options, message: said('The destination does not understand a required SOAP header') });
    case 'DataEncodingUnknown':
      return new PermanentError('ERR_SOAP_DATA_ENCODING_UNKNOWN', { ...options, message: said('The destination does not accept the data encoding') });
  }
  return new PermanentError('ERR_SOAP_FAULT', { ...options, message: said('The destination refused the request') });
}

const NOT_SOAP = new Set(['ERR_SOAP_MALFORMED', 'ERR_SOAP_NOT_ENVELOPE']);

/**
 * For an action's `errors` hook: the ConnectorError a SOAP response means, or undefined when it
 * is a normal envelope. SOAP 1.1 sends faults with HTTP 500, which `errorFromResponse` alone would
 * retry; this reads the fault instead. A failed status whose body is not SOAP at all (a proxy's
 * HTML error page) is left to `errorFromResponse` (undefined); on a 2xx it is an error.
 */
export function soapError(response: HttpResponse, options: Omit<ParseEnvelopeOptions, 'status'> = {}): ConnectorError | undefined {
  const ok = response.status >= 200 && response.status < 300;
  try {
    parseEnvelope(response.text, { ...options, status: response.status });
    return undefined;
  } catch (error) {
    if (!isConnectorError(error)) throw error;
    return !ok && NOT_SOAP.has(error.code) ? undefined : error;
  }
}

function withDeclarations(scope: Scope, node: RawNode | undefined): Scope {
  if (typeof node !== 'object' || node === null || Array.isArray(node)) return scope;
  let extended: Map<string, string> | undefined;
  for (const [key, value] of Object.entries(node)) {
    if (key !== '@_xmlns' && !key.startsWith('@_xmlns:')) continue;
    extended ??= new Map(scope);
    extended.set(key === '@_xmlns' ? '' : key.slice('@_xmlns:'.length), decode(strings(value).join('')));
  }
  return extended ?? scope;
}

function namespaceOf(qualifiedName: string, scope: Scope): string | undefined {
  const colon = qualifiedName.indexOf(':');
  return scope.get(colon < 0 ? '' : qualifiedName.slice(0, colon));
}

function localName(qualifiedName: string): string {
  return qualifiedName.slice(qualifiedName.indexOf(':') + 1);
}

function strings(value: RawNode): string[] {
  return (Array.isArray(value) ? value : [value]).filter((item): item is string => typeof item === 'string');
}

function decode(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(ENTITY_PATTERN, (whole, name: string | undefined, decimal: string | undefined, hex: string | undefined) => {
    if (name !== undefined) return PREDEFINED[name] as string;
    const codePoint = decimal !== undefined ? Number.parseInt(decimal, 10) : Number.parseInt(hex as string, 16);
    return codePoint <= 0x10ffff ? String.fromCodePoint(codePoint) : whole;
  });
}

function textOf(value: unknown): string {
  if (typeof value === 'string') return value.trim();
  if (Array.isArray(value)) return textOf(value[0]);
  if (typeof value === 'object' && value !== null) return textOf((value as Record<string, unknown>)['#text']);
  return '';
}
