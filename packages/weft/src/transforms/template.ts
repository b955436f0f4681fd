import { ExpressionError } from './expression-error.ts';
import type { CompiledExpression, ExpressionEngine } from './expression.ts';

/**
 * Text with `{{ expression }}` placeholders, as used in a call's url, headers and query.
 * A placeholder ends at the first `}}`. Results are inserted verbatim — not URL-encoded — so a
 * placeholder in a URL path or query string must produce text that is already safe there
 * (use JSONata's `$encodeUrlComponent`); `query` values are encoded by the URL API instead.
 */
export interface CompiledTemplate {
  readonly source: string;
  readonly expressions: CompiledExpression[];
  render(input: unknown, options?: { budgetMs?: number }): Promise<string>;
}

export type TemplatePart =
  | { kind: 'text'; text: string; offset: number }
  | { kind: 'expression'; source: string; offset: number };

/** Splits a template into literal text and placeholder sources, with 0-based offsets into `text`. */
export function parseTemplate(text: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let cursor = 0;
  while (cursor < text.length) {
    const open = text.indexOf('{{', cursor);
    if (open === -1) break;
    if (open > cursor) parts.push({ kind: 'text', text: text.slice(cursor, open), offset: cursor });
    const close = text.indexOf('}}', open + 2);
    if (close === -1) throw new ExpressionError('ERR_EXPRESSION_SYNTAX', 'unclosed {{ placeholder: expected }}', open);
    const inner = text.slice(open + 2, close);
    const leading = inner.length - inner.trimStart().length;
    const source = inner.trim();
    if (source === '') throw new ExpressionError('ERR_EXPRESSION_SYNTAX', 'empty {{ }} placeholder', open);
    parts.push({ kind: 'expression', source, offset: open + 2 + leading });
    cursor = close + 2;
  }
  if (cursor < text.length) parts.push({ kind: 'text', text: text.slice(cursor), offset: cursor });
  return parts;
}

export interface CompileTemplateOptions {
  /** Applied to each literal part once, at compile time, e.g. to resolve `${env:NAME}`; never to placeholder results. */
  resolveText?: (text: string) => string;
}

/** Throws ExpressionError (ERR_EXPRESSION_SYNTAX) with `position` as an offset into `text`. */
export function compileTemplate(engine: Pick<ExpressionEngine, 'compile'>, text: string, options: CompileTemplateOptions = {}): CompiledTemplate {
  const segments: Array<string | CompiledExpression> = parseTemplate(text).map((part) => {
    if (part.kind === 'text') return options.resolveText ? options.resolveText(part.text) : part.text;
    try {
      return engine.compile(part.source);
    } catch (err) {
      if (err instanceof ExpressionError) throw new ExpressionError(err.code, err.message, part.offset + (err.position ?? 0));
      throw err;
    }
  });
  const expressions = segments.filter((segment): segment is CompiledExpression => typeof segment !== 'string');
  if (expressions.length === 0) {
    const constant = (segments as string[]).join('');
    return { source: text, expressions, render: async () => constant };
  }
  return {
    source: text,
    expressions,
    async render(input, renderOptions) {
      const rendered = await Promise.all(
        segments.map(async (segment) =>
          typeof segment === 'string' ? segment : toText(await segment.evaluate(input, renderOptions)),
        ),
      );
      return rendered.join('');
    },
  };
}

function toText(value: unknown): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  return JSON.stringify(value) ?? '';
}
