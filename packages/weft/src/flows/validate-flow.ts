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

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Every shape problem of `value`; none means it is a `Flow`. */
export function validateFlowShape(value: unknown): FlowIssue[] {
  if (!isMapping(value)) {
    return [{ path: [], code: 'ERR_FLOW_INVALID_VALUE', message: 'a flow must be a mapping with id, trigger and steps' }];
  }
  const { flow, trigger, step } = validators();
  const issues = check(flow, value, [], value);
  if ('trigger' in value) {
    const kind = chooseKind(value.trigger, ['trigger'], TRIGGER_KINDS, 'trigger', value, issues);
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
    const kind = chooseKind(step, stepPath, STEP_KINDS, 'step', flow, issues);
    if (kind === undefined) return;
    // A call through a connection has its own shape: validating against both would report the
    // url as missing from every connector call.
    const validator = kind === 'call' && isMapping((step as { call?: unknown }).call) && Object.hasOwn((step as { call: object }).call, 'connection')
      ? stepValidators.connectorCall
      : stepValidators[kind];
    issues.push(...check(validator, step, stepPath, flow));
    const nested = (step as { steps?: unknown }).steps;
    if (kind === 'each' && Array.isArray(nested)) validateSteps(nested, [...stepPath, 'steps'], flow, stepValidators, issues);
  });
}

function chooseKind<Kind extends string>(
  value: unknown,
  path: FlowPath,
  kinds: readonly Kind[],
  what: 'step' | 'trigger',
  flow: unknown,
  issues: FlowIssue[],
): Kind | undefined {
  const label = describeLocation(path, flow);
  if (!isMapping(value)) {
    issues.push({ path, code: 'ERR_FLOW_INVALID_VALUE', message: `${label} must be a mapping with one of ${kinds.join(', ')}` });
    return undefined;
  }
  const present = kinds.filter((kind) => Object.hasOwn(value, kind));
  if (present.length === 1) return present[0];
  if (present.length === 0) {
    const code = what === 'step' ? 'ERR_FLOW_UNKNOWN_STEP_KIND' : 'ERR_FLOW_UNKNOWN_TRIGGER_KIND';
    const message = `${label} has no kind: expected one of ${kinds.join(', ')}`;
    // A misspelt kind is the likely cause: point at it, where the fix goes.
    for (const key of Object.keys(value)) {
      const kind = closestMatch(key, kinds);
      if (kind === undefined) continue;
      issues.push({ path: [...path, key], isAtKey: true, code, message: `${message}, not '${key}'`, hint: `did you mean ${kind}?` });
      return undefined;
    }
    issues.push({ path, code, message });
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
      return withHint({ path, code: 'ERR_FLOW_INVALID_VALUE', message: `${label} ${describeUnion(schema)}` }, schema);
    case 'minLength':
    case 'minItems':
      if ((error.params as { limit: number }).limit === 1) {
        return { path, code: 'ERR_FLOW_INVALID_VALUE', message: `${label} must not be empty` };
      }
      break;
    case 'type': {
      const type = String((error.params as { type: string }).type);
      const noun = type === 'object' ? 'a mapping' : type === 'array' ? 'a list' : type === 'integer' ? 'a whole number' : `a ${type}`;
      return withHint({ path, code: 'ERR_FLOW_INVALID_VALUE', message: `${label} must be ${noun}` }, schema);
    }
  }
  return withHint({ path, code: 'ERR_FLOW_INVALID_VALUE', message: `${label} ${error.message ?? 'is invalid'}` }, schema);
}

function withHint(issue: FlowIssue, schema: JsonSchema): FlowIssue {
  if (schema.description !== undefined) issue.hint = schema.description;
  return issue;
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
