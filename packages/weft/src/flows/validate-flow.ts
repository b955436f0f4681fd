import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { closestMatch } from './did-you-mean.ts';
import { describeLocation, type FlowIssue, type FlowPath } from './diagnostic.ts';
import { reportedSchemaErrors, schemaErrorPath, unknownKeyIssue } from './schema-errors.ts';
import {
  CallStepSchema,
  ConnectorCallStepSchema,
  CodeStepSchema,
  Duration,
  DelayStepSchema,
  ExceptionTriggerSchema,
  LookupStepSchema,
  ReconcileStepSchema,
  ValidateStepSchema,
  FlowSchema,
  ManualTriggerSchema,
  PollTriggerSchema,
  MapStepSchema,
  ScheduleTriggerSchema,
  STEP_KINDS,
  StepSchema,
  WebhookTriggerSchema,
  WhenStepSchema,
  type StepKind,
} from './flow-schema.ts';

/**
 * Checks that a value has the shape of a flow. A union of six step shapes gives ajv's
 * famously unreadable errors ("must match a schema in anyOf", times six), so the kind of each
 * step and of the trigger is decided first, from the key that names it, and the value is then
 * checked against that kind's schema alone. Nested `each` steps are checked the same way.
 */

const TRIGGER_KINDS = ['webhook', 'schedule', 'manual', 'poll', 'exception'] as const;
type TriggerKind = (typeof TRIGGER_KINDS)[number];

/** What a step or trigger may be, and every key one may have, so a key that is none of them can be told apart. */
interface KindsOf<Kind extends string> {
  what: 'step' | 'trigger';
  kinds: readonly Kind[];
  keys: ReadonlySet<string>;
}

interface JsonSchema {
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  const?: unknown;
  pattern?: string;
  description?: string;
  [key: string]: unknown;
}

interface Validators {
  flow: ValidateFunction;
  trigger: Record<TriggerKind, ValidateFunction>;
  step: Record<StepKind, ValidateFunction> & { connectorCall: ValidateFunction };
}

let compiled: Validators | undefined;

/** Schemas compile once per process; ajv compilation costs milliseconds per schema. */
function validators(): Validators {
  if (compiled) return compiled;
  const ajv = new Ajv({ allErrors: true, verbose: true });
  const flowSchema = FlowSchema as unknown as JsonSchema;
  const { $id: _flowId, ...flowWithoutId } = flowSchema;
  const flowShell: JsonSchema = {
    ...flowWithoutId,
    properties: { ...flowSchema.properties, trigger: {}, steps: { ...flowSchema.properties?.steps, items: {} } },
  };
  const eachSchema = (StepSchema as unknown as JsonSchema).anyOf?.find((branch) => branch.properties?.each !== undefined);
  if (eachSchema === undefined) throw new Error('flow-schema.ts: the each step is missing from StepSchema');
  const eachShell: JsonSchema = {
    ...eachSchema,
    properties: { ...eachSchema.properties, steps: { ...eachSchema.properties?.steps, items: {} } },
  };
  compiled = {
    flow: ajv.compile(flowShell),
    trigger: {
      webhook: ajv.compile(WebhookTriggerSchema),
      schedule: ajv.compile(ScheduleTriggerSchema),
      manual: ajv.compile(ManualTriggerSchema),
      poll: ajv.compile(PollTriggerSchema),
      exception: ajv.compile(ExceptionTriggerSchema),
    },
    step: {
      map: ajv.compile(MapStepSchema),
      call: ajv.compile(CallStepSchema),
      connectorCall: ajv.compile(ConnectorCallStepSchema),
      when: ajv.compile(WhenStepSchema),
      each: ajv.compile(eachShell),
      code: ajv.compile(CodeStepSchema),
      delay: ajv.compile(DelayStepSchema),
      validate: ajv.compile(ValidateStepSchema),
      lookup: ajv.compile(LookupStepSchema),
      reconcile: ajv.compile(ReconcileStepSchema),
    },
  };
  return compiled;
}

export function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The steps nested in a step, checked whatever the shape of the step around them; the lint walks the same ones. */
export function nestedSteps(step: unknown): unknown[] | undefined {
  return isMapping(step) && Object.hasOwn(step, 'each') && Array.isArray(step.steps) ? step.steps : undefined;
}

/**
 * Whether the part of a flow at `path` (the trigger, orderingKey, or a step apart from its
 * nested steps) has the shape the schema asks for, judged from the shape issues. An unknown
 * key does not count: the lint reads only known keys, so it cannot be misled by one.
 */
export function wellShapedParts(issues: readonly FlowIssue[]): (path: FlowPath) => boolean {
  const misshapen = issues.filter((issue) => issue.code !== 'ERR_FLOW_UNKNOWN_KEY').map((issue) => issue.path);
  return (path) => !misshapen.some((issuePath) => isInPart(issuePath, path));
}

function isInPart(issuePath: FlowPath, part: FlowPath): boolean {
  if (issuePath.length < part.length || part.some((segment, index) => issuePath[index] !== segment)) return false;
  const [key, index] = issuePath.slice(part.length);
  return !(key === 'steps' && typeof index === 'number');
}

/** Every shape problem of `value`; none means it is a `Flow`. */
export function validateFlowShape(value: unknown): FlowIssue[] {
  if (!isMapping(value)) {
    return [{ path: [], code: 'ERR_FLOW_INVALID_VALUE', message: 'a flow must be a mapping with id, trigger and steps' }];
  }
  const { flow, trigger, step } = validators();
  const issues = check(flow, value, [], value);
  if ('trigger' in value) {
    const kind = chooseKind(value.trigger, ['trigger'], triggerKinds, value, issues);
    if (kind) issues.push(...check(trigger[kind], value.trigger, ['trigger'], value));
  }
  if (Array.isArray(value.steps)) validateSteps(value.steps, ['steps'], value, step, issues);
  return issues;
}

function validateSteps(
  steps: unknown[],
  path: FlowPath,
  flow: Record<string, unknown>,
  stepValidators: Validators['step'],
  issues: FlowIssue[],
): void {
  steps.forEach((step, index) => {
    const stepPath = [...path, index];
    const kind = chooseKind(step, stepPath, stepKinds, flow, issues);
    if (kind !== undefined) {
      // A call through a connection has its own shape: validating against both would report the
      // url as missing from every connector call.
      const validator = kind === 'call' && isMapping((step as { call?: unknown }).call) && Object.hasOwn((step as { call: object }).call, 'connection')
        ? stepValidators.connectorCall
        : stepValidators[kind];
      issues.push(...check(validator, step, stepPath, flow));
    }
    const nested = nestedSteps(step);
    if (nested !== undefined) validateSteps(nested, [...stepPath, 'steps'], flow, stepValidators, issues);
  });
}

const stepKinds: KindsOf<StepKind> = {
  what: 'step',
  kinds: STEP_KINDS,
  keys: new Set(((StepSchema as unknown as JsonSchema).anyOf ?? []).flatMap((branch) => Object.keys(branch.properties ?? {}))),
};
const triggerKinds: KindsOf<TriggerKind> = { what: 'trigger', kinds: TRIGGER_KINDS, keys: new Set(TRIGGER_KINDS) };

function chooseKind<Kind extends string>(value: unknown, path: FlowPath, kindsOf: KindsOf<Kind>, flow: unknown, issues: FlowIssue[]): Kind | undefined {
  const { what, kinds } = kindsOf;
  const label = describeLocation(path, flow);
  if (!isMapping(value)) {
    issues.push({ path, code: 'ERR_FLOW_INVALID_VALUE', message: `${label} must be a mapping with one of ${kinds.join(', ')}` });
    return undefined;
  }
  const present = kinds.filter((kind) => Object.hasOwn(value, kind));
  if (present.length === 1) return present[0];
  if (present.length === 0) {
    issues.push(noKindIssue(value, path, kindsOf, label));
    return undefined;
  }
  issues.push({
    path: [...path, present[1] as string],
    isAtKey: true,
    code: 'ERR_FLOW_MULTIPLE_KINDS',
    message: `${label} has more than one kind (${present.join(', ')})`,
    hint: what === 'step' ? 'a step does one thing: split it into separate steps' : 'a flow has one trigger',
  });
  return undefined;
}

/** A misspelt or made-up kind is the likely cause of a missing one: point at that key, where the fix goes. */
function noKindIssue(value: Record<string, unknown>, path: FlowPath, { what, kinds, keys }: KindsOf<string>, label: string): FlowIssue {
  const code = what === 'step' ? 'ERR_FLOW_UNKNOWN_STEP_KIND' : 'ERR_FLOW_UNKNOWN_TRIGGER_KIND';
  const expected = `${label} has no kind: expected one of ${kinds.join(', ')}`;
  const unknownKeys = Object.keys(value).filter((key) => !keys.has(key));
  for (const key of unknownKeys) {
    const kind = closestMatch(key, kinds);
    if (kind !== undefined) return { path: [...path, key], isAtKey: true, code, message: `${expected}, not '${key}'`, hint: `did you mean ${kind}?` };
  }
  const [unknownKey] = unknownKeys;
  if (unknownKey === undefined) return { path, code, message: expected };
  return {
    path: [...path, unknownKey],
    isAtKey: true,
    code,
    message: `${label} has no kind: '${unknownKey}' is not a ${what} kind`,
    hint: `the ${what} kinds are ${kinds.join(', ')}`,
  };
}

function check(validate: ValidateFunction, value: unknown, base: FlowPath, flow: unknown): FlowIssue[] {
  if (validate(value)) return [];
  return reportedSchemaErrors(validate.errors ?? []).map((error) => toIssue(error, value, base, flow));
}

function toIssue(error: ErrorObject, value: unknown, base: FlowPath, flow: unknown): FlowIssue {
  const path = schemaErrorPath(error.instancePath, value, base);
  const schema = (error.parentSchema ?? {}) as JsonSchema;
  const label = describeLocation(path, flow);
  switch (error.keyword) {
    case 'additionalProperties':
      return { ...unknownKeyIssue(error, path, label), code: 'ERR_FLOW_UNKNOWN_KEY' };
    case 'required': {
      const key = String((error.params as { missingProperty: string }).missingProperty);
      const issue: FlowIssue = { path, code: 'ERR_FLOW_MISSING_KEY', message: `missing required key '${key}' in ${label}` };
      const description = schema.properties?.[key]?.description;
      if (description !== undefined) issue.hint = `${key}: ${description}`;
      return issue;
    }
    case 'anyOf':
      return withHint({ path, code: 'ERR_FLOW_INVALID_VALUE', message: `${label} ${describeUnion(schema)}` }, schema, error.data);
    case 'minLength':
    case 'minItems':
      if ((error.params as { limit: number }).limit === 1) {
        return { path, code: 'ERR_FLOW_INVALID_VALUE', message: `${label} must not be empty` };
      }
      break;
    case 'type': {
      const type = String((error.params as { type: string }).type);
      const noun = type === 'object' ? 'a mapping' : type === 'array' ? 'a list' : type === 'integer' ? 'a whole number' : `a ${type}`;
      return withHint({ path, code: 'ERR_FLOW_INVALID_VALUE', message: `${label} must be ${noun}` }, schema, error.data);
    }
  }
  return withHint({ path, code: 'ERR_FLOW_INVALID_VALUE', message: `${label} ${error.message ?? 'is invalid'}` }, schema, error.data);
}

function withHint(issue: FlowIssue, schema: JsonSchema, value: unknown): FlowIssue {
  const hint = [schema.description, quotingHint(value, schema)].filter((part) => part !== undefined).join(' ');
  if (hint !== '') issue.hint = hint;
  return issue;
}

/** YAML reads `map: 1` or `when: true` as a number or boolean; where only text would do, quotes are the fix. */
function quotingHint(value: unknown, schema: JsonSchema): string | undefined {
  if (typeof value !== 'number' && typeof value !== 'boolean') return undefined;
  const types = (schema.anyOf ?? [schema]).map((branch) => branch.type);
  if (!types.includes('string') || types.some((type) => type === 'number' || type === 'integer' || type === 'boolean')) return undefined;
  return `YAML reads ${value} as a ${typeof value}: quote it to make it a string.`;
}

const DURATION_PATTERN = (Duration as unknown as JsonSchema).anyOf?.[0]?.pattern;

function describeUnion(schema: JsonSchema): string {
  const branches = schema.anyOf ?? [];
  if (branches.some((branch) => branch.pattern !== undefined && branch.pattern === DURATION_PATTERN)) {
    return 'must be a duration such as 250ms, 3s, 5m, 2h or 1d, or a number of milliseconds';
  }
  if (branches.length > 0 && branches.every((branch) => branch.const !== undefined)) {
    return `must be one of ${branches.map((branch) => JSON.stringify(branch.const)).join(', ')}`;
  }
  const options = branches.map((branch) =>
    branch.const !== undefined ? JSON.stringify(branch.const) : String(branch.type ?? 'a value'),
  );
  return `must be ${options.join(' or ')}`;
}
