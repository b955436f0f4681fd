/**
 * `${env:NAME}` references in flow strings (webhook secrets, call url/headers/query), resolved
 * when the flow loads. Every `${…}` is taken for a reference, so a misspelt one is an error
 * rather than text sent to a destination. Messages name variables, never their values.
 */

export type FlowReferenceErrorCode = 'ERR_FLOW_UNSET_ENV' | 'ERR_FLOW_SECRET_UNAVAILABLE' | 'ERR_FLOW_INVALID_REFERENCE';

export class FlowReferenceError extends Error {
  override readonly name = 'FlowReferenceError';

  constructor(
    readonly code: FlowReferenceErrorCode,
    message: string,
    /** 0-based offset and length of the `${…}` in the text. */
    readonly offset: number,
    readonly length: number,
  ) {
    super(message);
  }
}

const REFERENCE = /\$\{([^}]*)\}/g;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

interface EnvReference {
  name: string;
  offset: number;
  length: number;
}

function scan(text: string): { references: EnvReference[]; problems: FlowReferenceError[] } {
  const references: EnvReference[] = [];
  const problems: FlowReferenceError[] = [];
  for (const match of text.matchAll(REFERENCE)) {
    const raw = match[0];
    const offset = match.index ?? 0;
    const body = (match[1] ?? '').trim();
    const colon = body.indexOf(':');
    const kind = colon === -1 ? '' : body.slice(0, colon).trim();
    const name = colon === -1 ? body : body.slice(colon + 1).trim();
    if (kind === 'env' && NAME.test(name)) {
      references.push({ name, offset, length: raw.length });
    } else if (kind === 'secret') {
      problems.push(
        new FlowReferenceError(
          'ERR_FLOW_SECRET_UNAVAILABLE',
          `${raw}: secret references need the credential vault (not available yet); use \${env:NAME}`,
          offset,
          raw.length,
        ),
      );
    } else {
      const suggestion = NAME.test(name) ? `\${env:${name}}` : '${env:NAME}';
      problems.push(
        new FlowReferenceError('ERR_FLOW_INVALID_REFERENCE', `${raw} is not a valid reference; write ${suggestion}`, offset, raw.length),
      );
    }
  }
  return { references, problems };
}

/**
 * Everything wrong with the references in `text`. Without `env` only their form is checked
 * (what `weft validate` does where production variables are absent); with it, unset or empty
 * variables are problems too, since an empty secret or header is never what was meant.
 */
export function referenceProblems(text: string, env?: Record<string, string | undefined>): FlowReferenceError[] {
  const { references, problems } = scan(text);
  if (env !== undefined) {
    for (const reference of references) {
      if (!env[reference.name]) {
        problems.push(
          new FlowReferenceError(
            'ERR_FLOW_UNSET_ENV',
            `environment variable ${reference.name} is not set (referenced as \${env:${reference.name}})`,
            reference.offset,
            reference.length,
          ),
        );
      }
    }
  }
  return problems.sort((a, b) => a.offset - b.offset);
}

/** Replaces every `${env:NAME}`; throws the first FlowReferenceError. */
export function resolveReferences(text: string, env: Record<string, string | undefined>): string {
  const [problem] = referenceProblems(text, env);
  if (problem) throw problem;
  return text.replace(REFERENCE, (_raw, body: string) => env[body.slice(body.indexOf(':') + 1).trim()] as string);
}

export function hasReferences(text: string): boolean {
  return text.search(REFERENCE) !== -1;
}
