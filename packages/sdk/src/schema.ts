import { Type, type Static, type TSchema } from '@sinclair/typebox';

/**
 * One schema serves four uses: the TypeScript types of a connector's code (`Infer`), validation of
 * inputs and vendor payloads, the JSON Schema editors read, and the generated docs and console
 * forms. TypeBox schemas are plain JSON Schema objects, so the engine validates them with ajv.
 */
export const schema = Type;

export type Infer<T extends TSchema> = Static<T>;

export type { TSchema };
