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

/**
 * Maps an offset in a scalar's value to an offset in the file. Each source line of the scalar
 * contributes its content plus one character (the newline, or the space a fold makes), which
 * is exact for plain, quoted and literal block scalars without escapes, and close for folded ones.
 */
function offsetInScalar(node: Scalar, text: string, offset: number): number {
  const [start, end] = node.range ?? [0, 0];
  const raw = text.slice(start, end);
  const lines: Array<{ contentStart: number; length: number }> = [];
  if (node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED') {
    const headerEnd = raw.indexOf('\n');
    if (headerEnd === -1) return start;
    const bodyLines = raw.slice(headerEnd + 1).split('\n');
    const indicator = /^[|>][+-]?([1-9])?/.exec(raw)?.[1];
    const indent =
      indicator !== undefined
        ? Number(indicator)
        : Math.min(...bodyLines.filter((line) => line.trim() !== '').map((line) => line.length - line.trimStart().length));
    let lineStart = start + headerEnd + 1;
    for (const line of bodyLines) {
      lines.push({ contentStart: lineStart + Math.min(indent, line.length), length: Math.max(0, line.length - indent) });
      lineStart += line.length + 1;
    }
  } else {
    const quote = node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE' ? 1 : 0;
    let lineStart = start;
    raw.split('\n').forEach((line, index) => {
      const skip = index === 0 ? quote : line.length - line.trimStart().length;
      lines.push({ contentStart: lineStart + skip, length: line.trimEnd().length - skip });
      lineStart += line.length + 1;
    });
  }
  let remaining = offset;
  for (const line of lines) {
    if (remaining <= line.length) return line.contentStart + remaining;
    remaining -= line.length + 1;
  }
  return start;
}
