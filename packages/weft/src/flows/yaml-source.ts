import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node, type Scalar } from 'yaml';
import type { FlowIssue, FlowPath } from './diagnostic.ts';

/** Where an issue is in the file, 1-based. */
export interface Position {
  line: number;
  column: number;
}

export interface YamlSource {
  value: unknown;
  /** YAML syntax errors; when there are any, `value` is not to be trusted. */
  syntaxErrors: Array<Position & { message: string }>;
  locate(issue: Pick<FlowIssue, 'path' | 'isAtKey' | 'offset'>): Position;
}

/** Parses a YAML flow file keeping every node's range, so issues found by path get a line and column. */
export function parseYamlSource(text: string): YamlSource {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: true });
  const toPosition = (offset: number): Position => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const syntaxErrors = document.errors.map((error) => {
    const [start] = error.linePos ?? [];
    return {
      line: start?.line ?? 1,
      column: start?.col ?? 1,
      message: (error.message.split('\n')[0] ?? error.message).replace(/ at line \d+, column \d+:?$/, ''),
    };
  });
  return {
    value: syntaxErrors.length > 0 ? undefined : document.toJS(),
    syntaxErrors,
    locate: (issue) => toPosition(locateOffset(document, text, issue)),
  };
}

function locateOffset(document: Document, text: string, issue: Pick<FlowIssue, 'path' | 'isAtKey' | 'offset'>): number {
  let node: unknown = document.contents;
  let keyNode: Node | undefined;
  let isResolved = true;
  for (const segment of issue.path) {
    const collection = node;
    if (isMap(collection)) {
      const pair = collection.items.find((item) => String(isScalar(item.key) ? item.key.value : item.key) === String(segment));
      if (pair === undefined) {
        isResolved = false;
        break;
      }
      keyNode = pair.key as Node;
      node = pair.value;
    } else if (isSeq(collection) && typeof segment === 'number' && collection.items[segment] !== undefined) {
      keyNode = undefined;
      node = collection.items[segment];
    } else {
      isResolved = false;
      break;
    }
  }
  if (isResolved && issue.isAtKey && keyNode?.range) return keyNode.range[0];
  if (isResolved && issue.offset !== undefined && isScalar(node)) return offsetInScalar(node, text, issue.offset);
  // A mapping is best pointed at by the key that names it (`call:`), not its first child.
  const target = node as Node | null | undefined;
  if ((isMap(target) || isSeq(target) || target === null || target === undefined) && keyNode?.range) return keyNode.range[0];
  return target?.range?.[0] ?? 0;
}

/** Maps an offset in a scalar's value to an offset in the file. */
function offsetInScalar(node: Scalar, text: string, offset: number): number {
  const [start, end] = node.range ?? [0, 0];
  const raw = text.slice(start, end);
  if (node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED') return offsetInBlockScalar(raw, start, offset);
  const style = node.type === 'QUOTE_DOUBLE' ? 'double' : node.type === 'QUOTE_SINGLE' ? 'single' : 'plain';
  const sources = flowScalarSources(raw, style);
  // Were YAML to decode something the scanner does not know, columns would be wrong: point at the scalar instead.
  if (sources.length !== (node.source ?? '').length + 1) return start;
  return start + (sources[offset] ?? 0);
}

/**
 * Each source line of a block scalar contributes its content plus one character (the newline,
 * or the space a fold makes), which is exact for literal block scalars and close for folded ones.
 */
function offsetInBlockScalar(raw: string, start: number, offset: number): number {
  const headerEnd = raw.indexOf('\n');
  if (headerEnd === -1) return start;
  const bodyLines = raw.slice(headerEnd + 1).split('\n');
  const indicator = /^[|>][+-]?([1-9])?/.exec(raw)?.[1];
  const indent =
    indicator !== undefined
      ? Number(indicator)
      : Math.min(...bodyLines.filter((line) => line.trim() !== '').map((line) => line.length - line.trimStart().length));
  const lines: Array<{ contentStart: number; length: number }> = [];
  let lineStart = start + headerEnd + 1;
  for (const line of bodyLines) {
    lines.push({ contentStart: lineStart + Math.min(indent, line.length), length: Math.max(0, line.length - indent) });
    lineStart += line.length + 1;
  }
  let remaining = offset;
  for (const line of lines) {
    if (remaining <= line.length) return line.contentStart + remaining;
    remaining -= line.length + 1;
  }
  return start;
}

/** How many hex digits follow each numeric escape of a double-quoted scalar. */
const HEX_DIGITS: Readonly<Record<string, number>> = { x: 2, u: 4, U: 8 };

const isWhite = (char: string | undefined) => char === ' ' || char === '\t';
const isBreak = (char: string | undefined) => char === '\n' || char === '\r';

/**
 * Where in `raw` (a plain or quoted scalar's source, quotes included) each UTF-16 unit of its
 * value comes from, and one more entry for the end. Decodes as YAML does: escapes in double
 * quotes, '' in single quotes, and line folding — a line break between text becomes a space,
 * each further break a newline, and white space around breaks is dropped.
 */
function flowScalarSources(raw: string, style: 'plain' | 'single' | 'double'): number[] {
  const sources: number[] = [];
  const end = style === 'plain' ? raw.length : raw.length - 1;
  let index = style === 'plain' ? 0 : 1;
  // White space that is dropped if a line break follows it.
  let trailingWhite = 0;
  const emit = (at: number, units = 1) => {
    for (let unit = 0; unit < units; unit++) sources.push(at);
  };
  while (index < end) {
    const char = raw[index];
    const next = raw[index + 1] ?? '';
    if (isBreak(char)) {
      sources.length -= trailingWhite;
      const { breaks, after } = skipLineBreaks(raw, index);
      if (breaks.length === 1) emit(index);
      else for (const at of breaks.slice(1)) emit(at);
      index = after;
    } else if (style === 'double' && char === '\\' && isBreak(next)) {
      // An escaped line break joins the lines; only the empty lines after it count, as newlines.
      const { breaks, after } = skipLineBreaks(raw, index + 1);
      for (const at of breaks.slice(1)) emit(at);
      index = after;
    } else if (style === 'double' && char === '\\') {
      const digits = HEX_DIGITS[next] ?? 0;
      const codePoint = digits === 0 ? 0 : Number.parseInt(raw.slice(index + 2, index + 2 + digits), 16);
      emit(index, codePoint > 0xffff ? 2 : 1);
      index += 2 + digits;
    } else if (style === 'single' && char === "'" && next === "'") {
      emit(index);
      index += 2;
    } else {
      emit(index);
      index += 1;
    }
    trailingWhite = isWhite(char) ? trailingWhite + 1 : 0;
  }
  emit(index);
  return sources;
}

/** From a line break at `index`: the offsets of it and the breaks of any empty lines after it, and where the text resumes. */
function skipLineBreaks(raw: string, index: number): { breaks: number[]; after: number } {
  const breaks: number[] = [];
  let after = index;
  while (isBreak(raw[after])) {
    breaks.push(after);
    after += raw[after] === '\r' && raw[after + 1] === '\n' ? 2 : 1;
    while (isWhite(raw[after])) after += 1;
  }
  return { breaks, after };
}
