export type FlowDiagnosticCode =
  | 'ERR_FLOW_READ'
  | 'ERR_FLOW_YAML_SYNTAX'
  | 'ERR_FLOW_MODULE'
  | 'ERR_FLOW_UNKNOWN_KEY'
  | 'ERR_FLOW_MISSING_KEY'
  | 'ERR_FLOW_INVALID_VALUE'
  | 'ERR_FLOW_UNKNOWN_STEP_KIND'
  | 'ERR_FLOW_UNKNOWN_TRIGGER_KIND'
  | 'ERR_FLOW_MULTIPLE_KINDS'
  | 'ERR_FLOW_INVALID_EXPRESSION'
  | 'ERR_FLOW_UNKNOWN_STEP'
  | 'ERR_FLOW_DUPLICATE_ID'
  | 'ERR_FLOW_DUPLICATE_FLOW'
  | 'ERR_FLOW_INVALID_CRON'
  | 'ERR_FLOW_INVALID_TIMEZONE'
  | 'ERR_FLOW_INVALID_URL'
  | 'ERR_FLOW_LITERAL_SECRET'
  | 'ERR_FLOW_UNSET_ENV'
  | 'ERR_FLOW_SECRET_UNAVAILABLE'
  | 'ERR_FLOW_UNKNOWN_SECRET'
  | 'ERR_FLOW_INVALID_REFERENCE'
  | 'ERR_FLOW_CODE_MODULE'
  | 'ERR_FLOW_CODE_EXPORT';

/** One problem in one flow file. Lines and columns are 1-based. */
export interface FlowDiagnostic {
  file: string;
  line: number;
  column: number;
  code: FlowDiagnosticCode;
  message: string;
  hint?: string;
}

/** "file:line:col message [CODE]\n  hint: …" — the form editors and CI logs link from. */
export function formatDiagnostic(diagnostic: FlowDiagnostic): string {
  const head = `${diagnostic.file}:${diagnostic.line}:${diagnostic.column} ${diagnostic.message} [${diagnostic.code}]`;
  return diagnostic.hint === undefined ? head : `${head}\n  hint: ${diagnostic.hint}`;
}

/** A problem located by its path in the flow, before it has a line and column. */
export interface FlowIssue {
  path: FlowPath;
  code: FlowDiagnosticCode;
  message: string;
  hint?: string;
  /** Point at the key at `path` rather than its value (unknown keys). */
  isAtKey?: boolean;
  /** 0-based offset inside the string value at `path` (an expression's error position). */
  offset?: number;
}

export type FlowPath = ReadonlyArray<string | number>;

/** `steps[2].call.url` */
export function formatPath(path: FlowPath): string {
  let text = '';
  for (const segment of path) {
    text += typeof segment === 'number' ? `[${segment}]` : text === '' ? segment : `.${segment}`;
  }
  return text === '' ? '(the flow)' : text;
}

/** "call.url of step 'post'", "trigger.webhook.path", "step 'fetch'" — how messages name a place. */
export function describeLocation(path: FlowPath, flow: unknown): string {
  let stepAt = -1;
  for (let index = 0; index < path.length - 1; index++) {
    if (path[index] === 'steps' && typeof path[index + 1] === 'number') stepAt = index + 1;
  }
  if (stepAt === -1) return formatPath(path);
  let step: unknown = flow;
  for (const segment of path.slice(0, stepAt + 1)) step = (step as Record<string | number, unknown> | undefined)?.[segment];
  const id = (step as { id?: unknown } | undefined)?.id;
  const stepLabel = typeof id === 'string' ? `step '${id}'` : `step ${formatPath(path.slice(0, stepAt + 1))}`;
  const rest = path.slice(stepAt + 1);
  return rest.length === 0 ? stepLabel : `${formatPath(rest)} of ${stepLabel}`;
}
