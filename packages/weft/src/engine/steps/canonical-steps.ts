import { canonical, type Mapping } from '@weft/sdk';
import type { LookupStep, MappingRef, ValidateStep } from '../../flows/flow-schema.ts';
import type { ConnectorRegistry } from '../../connectors/registry.ts';
import { checkCanonical, checkSchema, describeViolations } from '../../transforms/canonical-validation.ts';
import type { XrefStore } from '../../store/store.ts';
import { StepFailedError } from '../step-failure.ts';

/** Evaluates a flow expression against the run's scope (failures become `mapping` exceptions). */
export type Evaluate = (source: string) => Promise<unknown>;

/** `validate: { schema, input }`: the payload passes its canonical schema, or the run parks with every broken rule named. */
export async function executeValidateStep(step: ValidateStep, evaluate: Evaluate): Promise<unknown> {
  const ref = canonicalRef(step.validate.schema, step.id);
  const value = await evaluate(step.validate.input);
  const check = checkCanonical(ref, value);
  if (check.valid) return value;
  const subject = step.validate.describe === undefined ? '' : String((await evaluate(step.validate.describe).catch(() => '')) ?? '');
  throw new StepFailedError({
    retryable: false,
    reason: 'validation',
    message: `${capitalize(subject || `the ${ref.entity}`)} is not a valid ${ref.entity}@${ref.version}: ${describeViolations(check.violations)}.`,
  });
}

/**
 * `map: { mapping: <connector>/<id> }`: a connector's vendor ⇄ canonical translation, checked on
 * both sides: a to-canonical mapping must produce a valid record (a connector bug or an
 * unexpected vendor payload shows up here, named), and a from-canonical one is only given valid records.
 */
export async function executeMappingStep(registry: ConnectorRegistry, ref: MappingRef, input: unknown, stepId: string): Promise<unknown> {
  const mapping = findMapping(registry, ref.mapping, stepId);
  // The declared schemas embed the canonical ones (a from-canonical input may wrap the record
  // with ids the flow looked up; a to-canonical output may be a list), so they are what is checked.
  const inputCheck = checkSchema(mapping.input, input);
  if (!inputCheck.valid) {
    const what = mapping.direction === 'from-canonical' ? `is not a valid ${mapping.entity}@${mapping.version} input` : 'does not have the shape it reads';
    throw invalid(`The input of mapping ${ref.mapping} ${what}: ${describeViolations(inputCheck.violations)}.`);
  }
  let output: unknown;
  try {
    output = mapping.map(input as never);
  } catch (error) {
    throw new StepFailedError({ retryable: false, reason: 'mapping', message: `The mapping ${ref.mapping} in step '${stepId}' failed: ${error instanceof Error ? error.message : String(error)}.` });
  }
  const outputCheck = checkSchema(mapping.output, output);
  if (!outputCheck.valid) {
    const what = mapping.direction === 'to-canonical' ? `an invalid ${mapping.entity}@${mapping.version}` : 'an invalid result';
    throw invalid(`The mapping ${ref.mapping} produced ${what}: ${describeViolations(outputCheck.violations)}.`);
  }
  return output;
}

/** `lookup: { entity, from, in }`: the id the cross-reference holds, or null (or not-found when required). */
export async function executeLookupStep(xref: XrefStore, step: LookupStep, evaluate: Evaluate): Promise<string | null> {
  const { entity, from, in: system, required = false } = step.lookup;
  const id = await xrefId(evaluate, from.id, `the lookup in step '${step.id}'`);
  const found = (await xref.find(entity, { system: from.system, id }))?.links.find((link) => link.system === system)?.id ?? null;
  if (found === null && required) {
    throw new StepFailedError({ retryable: false, reason: 'not-found', message: `No ${entity} in ${system} is linked to ${from.system} ${id}.` });
  }
  return found;
}

/** An xref id from an expression: text or a number, never empty. */
export async function xrefId(evaluate: Evaluate, source: string, where: string): Promise<string> {
  const value = await evaluate(source);
  if ((typeof value !== 'string' && typeof value !== 'number') || String(value) === '') {
    throw invalid(`${capitalize(where)} has no id to look up: its from.id gave ${JSON.stringify(value) ?? 'nothing'}.`);
  }
  return String(value);
}

function findMapping(registry: ConnectorRegistry, name: string, stepId: string): Mapping {
  const [connectorId = '', mappingId = ''] = name.split('/');
  const connector = registry.get(connectorId);
  if (!connector) throw invalid(`The step '${stepId}' names mapping ${name}, but no connector '${connectorId}' is installed.`);
  const mapping = connector.mappings.find((candidate) => candidate.id === mappingId);
  if (!mapping) {
    const known = connector.mappings.map((candidate) => candidate.id).join(', ') || 'none';
    throw invalid(`The connector '${connectorId}' has no mapping '${mappingId}' (it has: ${known}).`);
  }
  return mapping;
}

function canonicalRef(text: string, stepId: string): canonical.CanonicalRef {
  const ref = canonical.parseCanonicalRef(text);
  if ('error' in ref) throw invalid(`The step '${stepId}' cannot validate: ${ref.error}.`);
  return ref;
}

const invalid = (message: string) => new StepFailedError({ retryable: false, reason: 'validation', message });
const capitalize = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
