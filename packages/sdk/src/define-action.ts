import type { Static, TSchema } from '@sinclair/typebox';
import { isCanonicalEntity, type CanonicalEntity } from './canonical/canonical-registry.ts';
import type { ActionContext } from './context.ts';
import { assertFunction, assertKebabId, assertSchema, assertText, freezeDeclaration } from './declaration.ts';
import type { ConnectorError } from './errors.ts';
import type { PaginationStrategy } from './pagination/paginate.ts';
import type { DeclarativeRequest, HttpResponse } from './request.ts';

// Methods rather than function-valued properties: method parameters are checked bivariantly, so
// a connector's `Action<TObject<…>>` still fits the `Action` slots the engine and registry take.
interface ActionFields<I extends TSchema, O extends TSchema> {
  id: string;
  name: string;
  description?: string;
  input: I;
  output: O;
  /**
   * Called on every response, 2xx included: some vendors answer 200 with an error inside
   * (Slack's `ok: false`). Undefined means "no opinion": the engine then applies
   * `errorFromResponse` to failed statuses.
   */
  errors?(response: HttpResponse): ConnectorError | undefined;
  /**
   * For an action that creates (or upserts) a record: the canonical entity it is and where the
   * record's id is in the output. The engine links that id to the flow step's `xref.source` in the
   * cross-reference store, and on a later run finds it there instead of creating a second record
   * (lookup-before-create for vendors without an idempotency header).
   */
  xref?: ActionXref<O>;
}

export interface ActionXref<O extends TSchema = TSchema> {
  entity: CanonicalEntity;
  id(output: Static<O>): string | undefined;
}

/** The preferred form: the request as data, which the engine sends, audits and can document. */
export interface DeclarativeActionDefinition<I extends TSchema, O extends TSchema> extends ActionFields<I, O> {
  request(input: Static<I>): DeclarativeRequest;
  /** Raw is the response body, or with `pagination` every page's items in one array. */
  response?(raw: unknown): Static<O>;
  pagination?: PaginationStrategy;
  run?: never;
}

/** For what one request cannot express: several calls, polling a job, uploads. */
export interface CodeActionDefinition<I extends TSchema, O extends TSchema> extends ActionFields<I, O> {
  run(ctx: ActionContext<Static<I>>): Promise<Static<O>>;
  request?: never;
  response?: never;
  pagination?: never;
}

export type ActionDefinition<I extends TSchema, O extends TSchema> =
  | DeclarativeActionDefinition<I, O>
  | CodeActionDefinition<I, O>;

export type DeclarativeAction<I extends TSchema = TSchema, O extends TSchema = TSchema> = Readonly<
  DeclarativeActionDefinition<I, O> & { kind: 'declarative' }
>;
export type CodeAction<I extends TSchema = TSchema, O extends TSchema = TSchema> = Readonly<
  CodeActionDefinition<I, O> & { kind: 'code' }
>;
export type Action<I extends TSchema = TSchema, O extends TSchema = TSchema> = DeclarativeAction<I, O> | CodeAction<I, O>;

export function defineAction<I extends TSchema, O extends TSchema>(definition: ActionDefinition<I, O>): Action<I, O> {
  const where = `defineAction(${JSON.stringify(definition.id)})`;
  assertKebabId(where, definition.id);
  assertText(where, 'name', definition.name);
  assertSchema(where, 'input', definition.input);
  assertSchema(where, 'output', definition.output);
  if (definition.errors !== undefined) assertFunction(where, 'errors', definition.errors);
  if (definition.xref !== undefined) {
    if (!isCanonicalEntity(definition.xref.entity)) throw new TypeError(`${where}: xref.entity "${definition.xref.entity}" is not a canonical entity`);
    assertFunction(where, 'xref.id', definition.xref.id);
  }

  const hasRequest = definition.request !== undefined;
  const hasRun = definition.run !== undefined;
  if (hasRequest === hasRun) {
    throw new TypeError(
      `${where}: give exactly one of request (a declarative request, preferred) or run (code), ${hasRequest ? 'not both' : 'got neither'}`,
    );
  }
  if (definition.run !== undefined) {
    assertFunction(where, 'run', definition.run);
    const extra = definition.response !== undefined ? 'response' : definition.pagination !== undefined ? 'pagination' : undefined;
    if (extra !== undefined) throw new TypeError(`${where}: ${extra} applies to a declarative request; run() handles its own responses`);
    return freezeDeclaration({ ...definition, kind: 'code' });
  }
  assertFunction(where, 'request', definition.request);
  if (definition.response !== undefined) assertFunction(where, 'response', definition.response);
  if (definition.pagination !== undefined && typeof definition.pagination.next !== 'function') {
    throw new TypeError(`${where}: pagination must be a strategy such as cursor(…) or linkHeader(…)`);
  }
  return freezeDeclaration({ ...definition, kind: 'declarative' });
}
