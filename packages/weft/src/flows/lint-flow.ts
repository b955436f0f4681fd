import { Cron } from 'croner';
import { canonical } from '@weft/sdk';
import { toMs } from '../core/duration.ts';
import { ExpressionError, stepReferences, type ExpressionEngine } from '../transforms/expression.ts';
import { parseTemplate } from '../transforms/template.ts';
import { closestMatch } from './did-you-mean.ts';
import { describeLocation, formatPath, type FlowIssue, type FlowPath } from './diagnostic.ts';
import { isConnectorCall, type DurationValue, type Flow, type ReconcileStep, type Step } from './flow-schema.ts';
import { hasReferences, referenceProblems, type SecretValues } from './references.ts';
import { isMapping, nestedSteps } from './validate-flow.ts';

export interface LintOptions {
  engine: ExpressionEngine;
  /** When given, `${env:NAME}` references to unset variables are issues; without it only their form is checked. */
  env?: Record<string, string | undefined>;
  /** Flow-level secrets from the vault; without them a `${secret:NAME}` cannot resolve. */
  secrets?: SecretValues;
  /**
   * Whether the schema found the part at a path (the trigger, orderingKey, or a step apart from
   * its nested steps) well shaped. A part that is not is skipped: its values could be anything,
   * and the schema has reported it. Default: every part is.
   */
  isWellShaped?: (path: FlowPath) => boolean;
}

/** The step ids an expression may read, and the each steps it runs inside. */
interface Scope {
  visible: ReadonlySet<string>;
  enclosing: ReadonlySet<string>;
}

const STATUS_KEY = /^[1-5][0-9x]{2}$/;
/** The longest a Node timer waits: a longer one fires at once (TimeoutOverflowWarning), so every call would time out. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;
const HMAC_ONLY_FIELDS = ['header', 'encoding', 'prefix', 'signedPayload', 'timestampHeader'] as const;

/**
 * What the schema cannot say about a flow: expressions that do not compile, `steps.<id>` reads
 * of steps that have not run, duplicate step ids, bad cron patterns, secrets written into the
 * file, references that cannot resolve. Parts of the flow not `isWellShaped` are not read, so
 * one pass reports the problems of a flow whose shape is partly wrong too.
 */
export function lintFlow(flow: Flow, options: LintOptions): FlowIssue[] {
  const issues: FlowIssue[] = [];
  const isWellShaped = options.isWellShaped ?? (() => true);
  const label = (path: FlowPath) => describeLocation(path, flow);
  const allIds = new Set<string>();
  const firstPathOf = new Map<string, FlowPath>();
  const eachOf = new Map<string, string>();

  const checkIds = (steps: Step[], path: FlowPath, each?: string) =>
    steps.forEach((step, index) => {
      if (!hasId(step)) return;
      const stepPath = [...path, index];
      const first = firstPathOf.get(step.id);
      if (first === undefined) firstPathOf.set(step.id, stepPath);
      else {
        issues.push({
          path: [...stepPath, 'id'],
          code: 'ERR_FLOW_DUPLICATE_ID',
          message: `step id '${step.id}' is used more than once`,
          hint: `it is first used by ${formatPath(first)}; step ids are unique in the whole flow`,
        });
      }
      allIds.add(step.id);
      if (each !== undefined && !eachOf.has(step.id)) eachOf.set(step.id, each);
      const nested = nestedSteps(step) as Step[] | undefined;
      if (nested !== undefined) checkIds(nested, [...stepPath, 'steps'], step.id);
    });
  // Without a list of steps there is nothing to lint, and the schema has said so.
  const steps = Array.isArray(flow.steps) ? flow.steps : [];
  checkIds(steps, ['steps']);

  const checkReferences = (path: FlowPath, source: string, offset: number, scope: Scope) => {
    for (const reference of stepReferences(source)) {
      if (scope.visible.has(reference.id)) continue;
      const issue: FlowIssue = {
        path,
        offset: offset + reference.position,
        code: 'ERR_FLOW_UNKNOWN_STEP',
        message: `${label(path)} reads steps.${reference.id} before that step has run`,
        hint: 'an expression reads only earlier steps (inside an each: its earlier steps and the steps before the each)',
      };
      if (scope.enclosing.has(reference.id)) {
        issue.message = `${label(path)} reads steps.${reference.id} inside that each step, which has no output until every item is done`;
        issue.hint = 'inside an each, read the current element as item and its position as index';
      } else if (eachOf.has(reference.id) && scope.visible.has(eachOf.get(reference.id) as string)) {
        const each = eachOf.get(reference.id) as string;
        issue.message = `${label(path)} reads steps.${reference.id}, which runs inside each step '${each}' and is not visible outside it`;
        issue.hint = `read what the each produced through steps.${each}`;
      } else if (!allIds.has(reference.id)) {
        issue.message = `${label(path)} reads steps.${reference.id}, but there is no step '${reference.id}'`;
        const suggestion = closestMatch(reference.id, [...scope.visible]);
        if (suggestion !== undefined) issue.hint = `did you mean steps.${suggestion}?`;
      }
      issues.push(issue);
    }
  };

  const checkExpression = (path: FlowPath, source: string, scope: Scope) => {
    try {
      options.engine.compile(source);
    } catch (err) {
      if (!(err instanceof ExpressionError)) throw err;
      issues.push(withSyntaxHint({ path, offset: err.position ?? 0, code: 'ERR_FLOW_INVALID_EXPRESSION', message: `invalid JSONata in ${label(path)}: ${err.message}` }, err.message));
      return;
    }
    checkReferences(path, source, 0, scope);
  };

  const checkEnvReferences = (path: FlowPath, text: string): boolean => {
    const problems = referenceProblems(text, options.env, options.secrets);
    for (const problem of problems) {
      issues.push({ path, offset: problem.offset, code: problem.code, message: `${label(path)}: ${problem.message}` });
    }
    return problems.length === 0;
  };

  /** True when the template is sound enough to check what it renders to. */
  const checkTemplate = (path: FlowPath, text: string, scope: Scope): boolean => {
    let isValid = checkEnvReferences(path, text);
    let parts;
    try {
      parts = parseTemplate(text);
    } catch (err) {
      if (!(err instanceof ExpressionError)) throw err;
      issues.push({ path, offset: err.position ?? 0, code: 'ERR_FLOW_INVALID_EXPRESSION', message: `${label(path)}: ${err.message}` });
      return false;
    }
    for (const part of parts) {
      if (part.kind !== 'expression') continue;
      try {
        options.engine.compile(part.source);
      } catch (err) {
        if (!(err instanceof ExpressionError)) throw err;
        const issue: FlowIssue = {
          path,
          offset: part.offset + (err.position ?? 0),
          code: 'ERR_FLOW_INVALID_EXPRESSION',
          message: `invalid JSONata in a {{ }} placeholder of ${label(path)}: ${err.message}`,
        };
        issues.push(withSyntaxHint(issue, err.message));
        isValid = false;
        continue;
      }
      checkReferences(path, part.source, part.offset, scope);
    }
    return isValid;
  };

  const checkUrl = (path: FlowPath, url: string) => {
    // Placeholders and references stand in for text that exists only at run time.
    if (url.trimStart().startsWith('{{') || (options.env === undefined && url.trimStart().startsWith('${'))) return;
    const probe = url
      .replace(/\{\{[\s\S]*?\}\}/g, 'x')
      .replace(/\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}/g, (_raw, name: string) => options.env?.[name] || 'x');
    let isAbsolute = false;
    try {
      const parsed = new URL(probe);
      isAbsolute = parsed.protocol === 'http:' || parsed.protocol === 'https:';
    } catch {
      isAbsolute = false;
    }
    if (!isAbsolute) {
      issues.push({
        path,
        code: 'ERR_FLOW_INVALID_URL',
        message: `${label(path)} must be an absolute http or https URL`,
        hint: 'e.g. https://erp.example.com/orders/{{ trigger.body.id }} or https://${env:ERP_HOST}/orders',
      });
    }
  };

  const checkEntity = (path: FlowPath, entity: string) => {
    if (canonical.isCanonicalEntity(entity)) return;
    const suggestion = closestMatch(entity, canonical.CANONICAL_ENTITIES);
    issues.push({
      path,
      code: 'ERR_FLOW_INVALID_VALUE',
      message: `'${entity}' is not a canonical entity`,
      hint: suggestion ? `did you mean '${suggestion}'?` : `one of: ${canonical.CANONICAL_ENTITIES.join(', ')}`,
    });
  };

  const checkTimeout = (path: FlowPath, timeout: DurationValue | undefined) => {
    if (timeout === undefined) return;
    const ms = toMs(timeout);
    if (ms >= 1 && ms <= MAX_TIMEOUT_MS) return;
    issues.push({
      path,
      code: 'ERR_FLOW_INVALID_VALUE',
      message: `${label(path)} must be more than 0 and at most 24d, not ${JSON.stringify(timeout)}`,
      hint: 'e.g. timeout: 30s',
    });
  };

  const checkStep = (step: Step, path: FlowPath, scope: Scope) => {
    if ('call' in step) checkTimeout([...path, 'call', 'timeout'], step.call.timeout);
    if ('code' in step) checkTimeout([...path, 'code', 'timeout'], step.code.timeout);
    if ('map' in step) {
      if (typeof step.map === 'string') checkExpression([...path, 'map'], step.map, scope);
      else if (step.map.input !== undefined) checkExpression([...path, 'map', 'input'], step.map.input, scope);
    } else if ('validate' in step) {
      const ref = canonical.parseCanonicalRef(step.validate.schema);
      if ('error' in ref) issues.push({ path: [...path, 'validate', 'schema'], code: 'ERR_FLOW_INVALID_VALUE', message: ref.error, hint: 'e.g. schema: order@1' });
      checkExpression([...path, 'validate', 'input'], step.validate.input, scope);
      if (step.validate.describe !== undefined) checkExpression([...path, 'validate', 'describe'], step.validate.describe, scope);
    } else if ('lookup' in step) {
      checkEntity([...path, 'lookup', 'entity'], step.lookup.entity);
      checkExpression([...path, 'lookup', 'from', 'id'], step.lookup.from.id, scope);
    } else if ('reconcile' in step) {
      checkEntity([...path, 'reconcile', 'entity'], step.reconcile.entity);
      for (const side of ['source', 'target'] as const) {
        const spec: Partial<Record<'records' | 'id' | 'compare' | 'describe' | 'changedAt', string>> = step.reconcile[side];
        for (const field of ['records', 'id', 'compare', 'describe', 'changedAt'] as const) {
          const source = spec[field];
          if (source !== undefined) checkExpression([...path, 'reconcile', side, field], source, scope);
        }
      }
      if (step.reconcile.linkedBy !== undefined) checkExpression([...path, 'reconcile', 'linkedBy', 'orderingKey'], step.reconcile.linkedBy.orderingKey, scope);
      const { source, target } = step.reconcile;
      if ((source.compare === undefined) !== (target.compare === undefined)) {
        // The step compares only when both sides say what to compare: one side alone would pass every record as matched.
        const [given, other] = source.compare !== undefined ? (['source', 'target'] as const) : (['target', 'source'] as const);
        issues.push({
          path: [...path, 'reconcile', given, 'compare'],
          isAtKey: true,
          code: 'ERR_FLOW_MISSING_KEY',
          message: `${given}.compare needs ${other}.compare in ${label([...path, 'reconcile'])}: with one side only, nothing is compared`,
          hint: `give ${other}.compare (the same value as the ${other} records hold it), or remove ${given}.compare`,
        });
      }
      const { onMissing = 'report', repairFlow } = step.reconcile;
      if (onMissing !== 'report' && repairFlow === undefined) {
        issues.push({
          path: [...path, 'reconcile', 'onMissing'],
          code: 'ERR_FLOW_INVALID_VALUE',
          message: `onMissing: ${onMissing} needs a repairFlow to run for each missing record`,
          hint: 'name a flow with a manual trigger, e.g. repairFlow: order-to-cash-replay',
        });
      }
    }
    else if ('when' in step) checkExpression([...path, 'when'], step.when, scope);
    else if ('each' in step) {
      checkExpression([...path, 'each'], step.each, scope);
      // The key is read per item, inside the each: the each's own output does not exist yet.
      if (step.key !== undefined) checkExpression([...path, 'key'], step.key, { ...scope, enclosing: new Set([...scope.enclosing, step.id]) });
    } else if ('call' in step && isConnectorCall(step)) {
      const callPath = [...path, 'call'];
      if (step.call.input !== undefined) checkExpression([...callPath, 'input'], step.call.input, scope);
      if (step.call.describe !== undefined) checkExpression([...callPath, 'describe'], step.call.describe, scope);
      if (step.call.xref !== undefined) checkExpression([...callPath, 'xref', 'from', 'id'], step.call.xref.from.id, scope);
    } else if ('call' in step) {
      const call = step.call;
      const callPath = [...path, 'call'];
      if (checkTemplate([...callPath, 'url'], call.url, scope)) checkUrl([...callPath, 'url'], call.url);
      for (const [name, value] of Object.entries(call.headers ?? {})) checkTemplate([...callPath, 'headers', name], value, scope);
      for (const [name, value] of Object.entries(call.query ?? {})) checkTemplate([...callPath, 'query', name], value, scope);
      if (call.body !== undefined) checkExpression([...callPath, 'body'], call.body, scope);
      if (call.describe !== undefined) checkExpression([...callPath, 'describe'], call.describe, scope);
      for (const status of Object.keys(call.responses ?? {})) {
        if (STATUS_KEY.test(status)) continue;
        issues.push({
          path: [...callPath, 'responses', status],
          isAtKey: true,
          code: 'ERR_FLOW_INVALID_VALUE',
          message: `'${status}' in ${label([...callPath, 'responses'])} is not a status`,
          hint: 'write a status such as 404, or a class such as 4xx',
        });
      }
    }
  };

  const checkSteps = (steps: Step[], path: FlowPath, outer: Scope) => {
    const visible = new Set(outer.visible);
    steps.forEach((step, index) => {
      if (!hasId(step)) return;
      const stepPath = [...path, index];
      const scope: Scope = { visible: new Set(visible), enclosing: outer.enclosing };
      if (isWellShaped(stepPath)) checkStep(step, stepPath, scope);
      const nested = nestedSteps(step) as Step[] | undefined;
      if (nested !== undefined) checkSteps(nested, [...stepPath, 'steps'], { ...scope, enclosing: new Set([...scope.enclosing, step.id]) });
      visible.add(step.id);
    });
  };

  const nothingVisible: Scope = { visible: new Set(), enclosing: new Set() };
  // A flow without a trigger has that reported by the schema.
  const trigger = flow.trigger !== undefined && isWellShaped(['trigger']) ? flow.trigger : undefined;
  if (trigger !== undefined && 'webhook' in trigger) {
    const webhook = trigger.webhook;
    if ((webhook.connection === undefined) !== (webhook.trigger === undefined)) {
      issues.push({
        path: ['trigger', 'webhook'],
        code: 'ERR_FLOW_MISSING_KEY',
        message: `trigger.webhook needs both connection and trigger, or neither`,
        hint: "e.g. connection: stripe, trigger: payment-intent-succeeded (the connector's webhook trigger)",
      });
    }
    if (webhook.connection !== undefined) {
      // The connector's trigger decides how deliveries are verified and deduplicated.
      for (const field of ['signature', 'dedupeKey'] as const) {
        if (webhook[field] === undefined) continue;
        issues.push({
          path: ['trigger', 'webhook', field],
          isAtKey: true,
          code: 'ERR_FLOW_INVALID_VALUE',
          message: `${field} comes from the connector's trigger when the webhook names a connection`,
        });
      }
    }
    if (webhook.dedupeKey !== undefined) checkExpression(['trigger', 'webhook', 'dedupeKey'], webhook.dedupeKey, nothingVisible);
    const signature = webhook.signature;
    if (signature !== undefined) {
      const secretPath = ['trigger', 'webhook', 'signature', 'secret'];
      if (!hasReferences(signature.secret)) {
        issues.push({
          path: secretPath,
          code: 'ERR_FLOW_LITERAL_SECRET',
          message: 'the signature secret must be a reference such as ${env:SHOP_WEBHOOK_SECRET}, never the secret itself',
          hint: 'flow files go to git; secrets do not',
        });
      } else {
        checkEnvReferences(secretPath, signature.secret);
      }
      if (signature.scheme !== 'hmac-sha256') {
        for (const field of HMAC_ONLY_FIELDS) {
          // header-token's token arrives in a header of the sender's choosing (x-api-key by default).
          if (signature[field] === undefined || (field === 'header' && signature.scheme === 'header-token')) continue;
          issues.push({
            path: ['trigger', 'webhook', 'signature', field],
            isAtKey: true,
            code: 'ERR_FLOW_INVALID_VALUE',
            message: `${field} applies to the hmac-sha256 scheme only; ${signature.scheme} fixes its own`,
          });
        }
      } else if (signature.signedPayload === 'timestamp.body' && signature.timestampHeader === undefined) {
        issues.push({
          path: ['trigger', 'webhook', 'signature'],
          code: 'ERR_FLOW_MISSING_KEY',
          message: "missing required key 'timestampHeader' in trigger.webhook.signature",
          hint: 'signedPayload timestamp.body signs the timestamp header value, a dot, then the body',
        });
      }
    }
  } else if (trigger !== undefined && 'schedule' in trigger) {
    const { cron, timezone } = trigger.schedule;
    let isTimezoneValid = true;
    if (timezone !== undefined) {
      try {
        new Intl.DateTimeFormat('en-US', { timeZone: timezone });
      } catch {
        isTimezoneValid = false;
        issues.push({
          path: ['trigger', 'schedule', 'timezone'],
          code: 'ERR_FLOW_INVALID_TIMEZONE',
          message: `unknown time zone '${timezone}'`,
          hint: 'use an IANA name such as Europe/Berlin or America/New_York',
        });
      }
    }
    try {
      new Cron(cron, { paused: true, mode: '5-or-6-parts', ...(isTimezoneValid && timezone !== undefined ? { timezone } : {}) });
    } catch (err) {
      issues.push({
        path: ['trigger', 'schedule', 'cron'],
        code: 'ERR_FLOW_INVALID_CRON',
        message: `invalid cron pattern '${cron}': ${(err as Error).message}`,
        hint: 'five fields (minute hour day month weekday), or six with seconds first, e.g. "*/5 * * * *"',
      });
    }
  }
  if (flow.orderingKey !== undefined && isWellShaped(['orderingKey'])) checkExpression(['orderingKey'], flow.orderingKey, nothingVisible);
  checkSteps(steps, ['steps'], nothingVisible);
  return issues;
}

/**
 * What no one flow can tell: a reconcile step's repairFlow must name a flow loaded with it, or
 * the first night with a missing record fails the run; its linkedBy.flow must name a loaded flow
 * with an orderingKey, or no record's own run would ever be found and the step would hand
 * records over beside them. Issues per flow, in the order given; a flow not well shaped is
 * skipped (the schema has reported it).
 */
export function lintRepairFlows(flows: readonly Flow[]): FlowIssue[][] {
  const ids = flows.map((flow) => flow.id);
  const ordered = new Set(flows.filter((flow) => flow.orderingKey !== undefined).map((flow) => flow.id));
  return flows.map((flow) => {
    const issues: FlowIssue[] = [];
    const visit = (steps: unknown, path: FlowPath) => {
      if (!Array.isArray(steps)) return;
      steps.forEach((step: unknown, index) => {
        const stepPath = [...path, index];
        const repairFlow = isMapping(step) && 'reconcile' in step ? (step as ReconcileStep).reconcile.repairFlow : undefined;
        if (repairFlow !== undefined && !ids.includes(repairFlow)) {
          const suggestion = closestMatch(repairFlow, ids);
          issues.push({
            path: [...stepPath, 'reconcile', 'repairFlow'],
            code: 'ERR_FLOW_INVALID_VALUE',
            message: `repairFlow '${repairFlow}' of ${describeLocation(stepPath, flow)} names no flow loaded with this one`,
            hint: suggestion !== undefined ? `did you mean '${suggestion}'?` : 'load the repair flow with it (weft start and weft validate read whole folders), or fix its own diagnostics',
          });
        }
        const linkedBy = isMapping(step) && 'reconcile' in step ? (step as ReconcileStep).reconcile.linkedBy?.flow : undefined;
        if (linkedBy !== undefined && !ordered.has(linkedBy)) {
          const suggestion = ids.includes(linkedBy) ? undefined : closestMatch(linkedBy, ids);
          issues.push({
            path: [...stepPath, 'reconcile', 'linkedBy', 'flow'],
            code: 'ERR_FLOW_INVALID_VALUE',
            message: ids.includes(linkedBy)
              ? `linkedBy.flow '${linkedBy}' of ${describeLocation(stepPath, flow)} has no orderingKey, so its run of a record cannot be found`
              : `linkedBy.flow '${linkedBy}' of ${describeLocation(stepPath, flow)} names no flow loaded with this one`,
            hint: ids.includes(linkedBy)
              ? `give ${linkedBy} an orderingKey that names the record (e.g. its id), the value linkedBy.orderingKey gives for it`
              : suggestion !== undefined
                ? `did you mean '${suggestion}'?`
                : 'load that flow with it (weft start and weft validate read whole folders), or fix its own diagnostics',
          });
        }
        visit(nestedSteps(step), [...stepPath, 'steps']);
      });
    };
    visit(flow.steps, ['steps']);
    return issues;
  });
}

/** The likely cause of the JSONata syntax errors met most, by jsonata's message, which says only what it expected or found. */
const SYNTAX_HINTS: ReadonlyArray<[RegExp, (found: string) => string]> = [
  [/^Expected (.+) before end of expression$/, (expected) => `the expression ends before its closing ${expected}: every (, [ and { needs its closing partner`],
  [/^Expected .+, got (.+)$/, (got) => `is a comma or an operator (such as & or +) missing before ${got}?`],
  [/^Syntax error: (.+)$/, (token) => `${token} cannot stand here: is a comma or an operator missing before it, or a bracket unbalanced?`],
  [/^Unexpected end of expression$/, () => 'the expression ends where a value should follow, e.g. after an operator or :='],
  [/^The symbol (.+) cannot be used as a unary operator$/, (symbol) => `nothing comes before ${symbol}: a trailing comma, or an operator written twice?`],
];

function withSyntaxHint(issue: FlowIssue, message: string): FlowIssue {
  for (const [pattern, hint] of SYNTAX_HINTS) {
    const found = pattern.exec(message);
    if (found !== null) return { ...issue, hint: hint(found[1] ?? '') };
  }
  return issue;
}

/** Only a step with an id has a place among the others; where it has none, the schema has said so. */
function hasId(step: Step): boolean {
  return isMapping(step) && typeof step.id === 'string';
}
