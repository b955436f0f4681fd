import { FlowSchema } from './flow-schema.ts';

type JsonObject = { [key: string]: unknown };

/**
 * The flow schema as a standalone JSON Schema document, for `weft schema` and editors.
 * TypeBox nests the recursive step schema under a relative `$id` ("Step") that editors'
 * YAML/JSON language servers do not resolve, so the step schema moves to `definitions`
 * and every reference to it becomes a JSON pointer.
 */
export function flowJsonSchema(): JsonObject {
  // A JSON round trip drops TypeBox's symbol-keyed metadata and gives a private copy.
  const flow = JSON.parse(JSON.stringify(FlowSchema)) as JsonObject & { properties: { steps: JsonObject & { items: JsonObject } } };
  const { $id: _stepId, ...step } = flow.properties.steps.items;
  flow.properties.steps.items = { $ref: '#/definitions/Step' };
  const { $id, ...rest } = flow;
  return pointStepRefs({
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id,
    ...rest,
    definitions: { Step: step },
  }) as JsonObject;
}

function pointStepRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(pointStepRefs);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [key, key === '$ref' && item === 'Step' ? '#/definitions/Step' : pointStepRefs(item)]),
  );
}
