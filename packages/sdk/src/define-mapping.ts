import type { Static, TSchema } from '@sinclair/typebox';
import { parseCanonicalRef, type CanonicalEntity } from './canonical/canonical-registry.ts';
import { assertFunction, assertKebabId, assertSchema, assertText, freezeDeclaration } from './declaration.ts';

/**
 * A connector's translation between one vendor shape and one canonical entity, written once at the
 * edge so flows speak only canonical records. `to-canonical` reads a vendor payload (a webhook
 * body, an action's output); `from-canonical` builds an action's input. Mappings are pure
 * functions: no I/O, no clock, so they are unit-tested with vendor-shaped fixtures.
 */
export interface MappingDefinition<I extends TSchema, O extends TSchema> {
  id: string;
  name: string;
  description?: string;
  direction: 'to-canonical' | 'from-canonical';
  /** "order@1": the canonical side, its output for to-canonical and its input for from-canonical. */
  canonical: string;
  input: I;
  output: O;
  map(input: Static<I>): Static<O>;
}

export type Mapping<I extends TSchema = TSchema, O extends TSchema = TSchema> = Readonly<
  MappingDefinition<I, O> & { entity: CanonicalEntity; version: number }
>;

export function defineMapping<I extends TSchema, O extends TSchema>(definition: MappingDefinition<I, O>): Mapping<I, O> {
  const where = `defineMapping(${JSON.stringify(definition.id)})`;
  assertKebabId(where, definition.id);
  assertText(where, 'name', definition.name);
  assertSchema(where, 'input', definition.input);
  assertSchema(where, 'output', definition.output);
  assertFunction(where, 'map', definition.map);
  if (definition.direction !== 'to-canonical' && definition.direction !== 'from-canonical') {
    throw new TypeError(`${where}: direction must be "to-canonical" or "from-canonical"`);
  }
  const ref = parseCanonicalRef(definition.canonical);
  if ('error' in ref) throw new TypeError(`${where}: canonical: ${ref.error}`);
  return freezeDeclaration({ ...definition, entity: ref.entity, version: ref.version });
}
