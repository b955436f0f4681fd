export type ExpressionErrorCode = 'ERR_EXPRESSION_SYNTAX' | 'ERR_EXPRESSION_EVALUATION' | 'ERR_EXPRESSION_TIMEOUT';

export class ExpressionError extends Error {
  override readonly name = 'ExpressionError';
  readonly code: ExpressionErrorCode;
  /** Syntax errors only: 0-based offset of the offending token in the expression source. */
  readonly position?: number;

  constructor(code: ExpressionErrorCode, message: string, position?: number) {
    super(message);
    this.code = code;
    if (position !== undefined) this.position = position;
  }
}

interface JsonataFailure {
  code?: unknown;
  message?: unknown;
  position?: unknown;
  token?: unknown;
}

/** jsonata reports the offset just past the offending token; editors want its start. */
export function toSyntaxError(err: unknown, source: string): ExpressionError {
  const failure = (err ?? {}) as JsonataFailure;
  const message = typeof failure.message === 'string' ? failure.message : String(err);
  let position = typeof failure.position === 'number' ? failure.position : 0;
  if (typeof failure.token === 'string' && failure.token !== '(end)') position -= failure.token.length;
  position = Math.min(Math.max(position, 0), source.length);
  return new ExpressionError('ERR_EXPRESSION_SYNTAX', message, position);
}
