/**
 * `${env:NAME}` and `${secret:NAME}` references in flow strings (webhook secrets, call
 * url/headers/query), resolved when the flow loads: environment variables, and flow-level
 * secrets from the credential vault (`weft secrets set NAME`). Every `${…}` is taken for a
 * reference, so a misspelt one is an error rather than text sent to a destination. Messages
 * name variables and secrets, never their values.
 */

export type FlowReferenceErrorCode = 'ERR_FLOW_UNSET_ENV' | 'ERR_FLOW_SECRET_UNAVAILABLE' | 'ERR_FLOW_UNKNOWN_SECRET' | 'ERR_FLOW_INVALID_REFERENCE';

/** Flow-level secrets from the vault, by name; undefined when no vault is available. */
export type SecretValues = Record<string, string | undefined>;

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
  kind: 'env' | 'secret';
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
    if ((kind === 'env' || kind === 'secret') && NAME.test(name)) {
      references.push({ kind, name, offset, length: raw.length });
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
export function referenceProblems(text: string, env?: Record<string, string | undefined>, secrets?: SecretValues): FlowReferenceError[] {
  const { references, problems } = scan(text);
  if (env !== undefined) {
    for (const reference of references) {
      const problem = unresolved(reference, env, secrets);
      if (problem) problems.push(problem);
    }
  }
  return problems.sort((a, b) => a.offset - b.offset);
}

function unresolved(reference: EnvReference, env: Record<string, string | undefined>, secrets: SecretValues | undefined): FlowReferenceError | undefined {
  const { kind, name, offset, length } = reference;
  if (kind === 'env') {
    if (env[name]) return undefined;
    return new FlowReferenceError('ERR_FLOW_UNSET_ENV', `environment variable ${name} is not set (referenced as \${env:${name}})`, offset, length);
  }
  if (secrets === undefined) {
    return new FlowReferenceError('ERR_FLOW_SECRET_UNAVAILABLE', `\${secret:${name}} needs the credential vault: set WEFT_MASTER_KEY (or WEFT_MASTER_KEY_FILE)`, offset, length);
  }
  if (secrets[name]) return undefined;
  return new FlowReferenceError('ERR_FLOW_UNKNOWN_SECRET', `secret ${name} is not in the vault; add it with \`weft secrets set ${name}\``, offset, length);
}

/** Replaces every `${env:NAME}` and `${secret:NAME}`; throws the first FlowReferenceError. */
export function resolveReferences(text: string, env: Record<string, string | undefined>, secrets?: SecretValues): string {
  const [problem] = referenceProblems(text, env, secrets);
  if (problem) throw problem;
  return text.replace(REFERENCE, (_raw, body: string) => {
    const colon = body.indexOf(':');
    const name = body.slice(colon + 1).trim();
    return (body.slice(0, colon).trim() === 'secret' ? secrets?.[name] : env[name]) as string;
  });
}

/** Each reference in `text` with the value it resolves to; throws the first FlowReferenceError. */
export function resolvedReferences(
  text: string,
  env: Record<string, string | undefined>,
  secrets?: SecretValues,
): Array<{ kind: 'env' | 'secret'; offset: number; value: string }> {
  const [problem] = referenceProblems(text, env, secrets);
  if (problem) throw problem;
  return scan(text).references.map(({ kind, name, offset }) => ({ kind, offset, value: (kind === 'secret' ? secrets?.[name] : env[name]) as string }));
}

export function hasReferences(text: string): boolean {
  return text.search(REFERENCE) !== -1;
}
