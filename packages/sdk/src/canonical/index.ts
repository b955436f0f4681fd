export * from './entities.ts';
export { CANONICAL_ENTITIES, CANONICAL_SCHEMAS, canonicalSchema, isCanonicalEntity, parseCanonicalRef } from './canonical-registry.ts';
export type { CanonicalEntity, CanonicalRef } from './canonical-registry.ts';
