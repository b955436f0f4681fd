import type { TSchema } from '@sinclair/typebox';
import type { AuthScheme } from './auth.ts';
import {
  assertFunction,
  assertHttpUrl,
  assertKebabId,
  assertPositive,
  assertSchema,
  assertText,
  freezeDeclaration,
} from './declaration.ts';
import type { Action } from './define-action.ts';
import type { Mapping } from './define-mapping.ts';
import type { Trigger } from './define-trigger.ts';
import type { HttpResponse } from './request.ts';

export interface RateLimit {
  requestsPerSecond?: number;
  /** Requests allowed at once after a quiet spell (the token bucket's size). */
  burst?: number;
  /** Requests in flight at once. */
  concurrency?: number;
}

/**
 * Declared limits are per connection and shared by every worker. They are the starting point:
 * the engine also reads the vendor's own signals (429, Retry-After, X-RateLimit-*) at run time.
 */
export interface ConnectorRateLimit extends RateLimit {
  /** Stricter limits for single actions, keyed by action id (SP-API sets a rate per operation). */
  perEndpoint?: Record<string, RateLimit>;
}

export interface ConnectorDefinition {
  id: string;
  name: string;
  description?: string;
  /**
   * A function when the host depends on the connection (a Shopify shop, a NetSuite account);
   * it gets the connection's non-secret config.
   */
  baseUrl: string | ((config: Record<string, unknown>) => string);
  /** The non-secret settings a connection of this connector needs (shop domain, region…). */
  config?: TSchema;
  /** What a connection may use; empty for APIs that take no credentials. */
  auth: readonly AuthScheme[];
  rateLimit?: ConnectorRateLimit;
  /**
   * Where the engine puts each call's idempotency key (the effect ledger's, the same on every
   * retry and replay). Default: the `Idempotency-Key` header, as Stripe and most REST APIs read
   * it. QuickBooks reads a `requestid` query parameter; `none` for vendors that honour neither
   * (their create actions should declare `xref`, so flows can look up before creating).
   */
  idempotencyKey?: { in: 'header' | 'query'; name: string } | 'none';
  actions: readonly Action[];
  triggers?: readonly Trigger[];
  /** Vendor ⇄ canonical translations, addressed in flows as `<connector>/<mapping id>`. */
  mappings?: readonly Mapping[];
  /**
   * For vendors that report expired credentials without a 401 (e.g. a 200 with INVALID_SESSION):
   * true makes the engine refresh the token and retry once, as it does on a 401.
   */
  detectAuthFailure?(response: HttpResponse): boolean;
  /**
   * A declarative, read-only action that needs no input (e.g. "retrieve the account"):
   * `weft connections test` calls it to prove the credentials work.
   */
  testAction?: string;
}

export type Connector = Readonly<ConnectorDefinition & { triggers: readonly Trigger[]; mappings: readonly Mapping[] }>;

export function defineConnector(definition: ConnectorDefinition): Connector {
  const where = `defineConnector(${JSON.stringify(definition.id)})`;
  assertKebabId(where, definition.id);
  assertText(where, 'name', definition.name);
  if (typeof definition.baseUrl !== 'function') assertHttpUrl(where, 'baseUrl', definition.baseUrl);
  if (definition.config !== undefined) assertSchema(where, 'config', definition.config);
  if (!Array.isArray(definition.auth) || definition.auth.some((scheme) => typeof scheme?.kind !== 'string')) {
    throw new TypeError(`${where}: auth must be a list of schemes such as bearer() or apiKey({ … })`);
  }
  if (definition.detectAuthFailure !== undefined) assertFunction(where, 'detectAuthFailure', definition.detectAuthFailure);

  const triggers = definition.triggers ?? [];
  const mappings = definition.mappings ?? [];
  checkUniqueIds(where, 'action', definition.actions, (action) => action.kind === 'declarative' || action.kind === 'code', 'defineAction');
  checkUniqueIds(where, 'trigger', triggers, (trigger) => trigger.strategy === 'webhook' || trigger.strategy === 'poll', 'defineTrigger');
  checkUniqueIds(where, 'mapping', mappings, (mapping) => mapping.direction === 'to-canonical' || mapping.direction === 'from-canonical', 'defineMapping');
  if (definition.actions.length + triggers.length === 0) throw new TypeError(`${where}: declares no actions and no triggers`);

  if (definition.testAction !== undefined) {
    const test = definition.actions.find((action) => action.id === definition.testAction);
    if (!test || test.kind !== 'declarative') {
      throw new TypeError(`${where}: testAction "${definition.testAction}" must be one of its declarative actions`);
    }
  }

  const { rateLimit } = definition;
  if (rateLimit !== undefined) {
    checkRateLimit(`${where}: rateLimit`, rateLimit);
    const actionIds = new Set(definition.actions.map((action) => action.id));
    for (const [actionId, limit] of Object.entries(rateLimit.perEndpoint ?? {})) {
      if (!actionIds.has(actionId)) throw new TypeError(`${where}: rateLimit.perEndpoint names "${actionId}", which is not one of its actions`);
      checkRateLimit(`${where}: rateLimit.perEndpoint["${actionId}"]`, limit);
    }
  }
  return freezeDeclaration({ ...definition, triggers: [...triggers], mappings: [...mappings], actions: [...definition.actions], auth: [...definition.auth] });
}

function checkUniqueIds<T extends { id: string }>(
  where: string,
  what: string,
  list: readonly T[],
  isDefined: (item: T) => boolean,
  definer: string,
): void {
  if (!Array.isArray(list)) throw new TypeError(`${where}: ${what}s must be a list`);
  const seen = new Set<string>();
  for (const item of list) {
    if (typeof item !== 'object' || item === null || !isDefined(item)) {
      throw new TypeError(`${where}: every ${what} must come from ${definer}(…)`);
    }
    if (seen.has(item.id)) throw new TypeError(`${where}: two ${what}s have the id "${item.id}"`);
    seen.add(item.id);
  }
}

function checkRateLimit(where: string, limit: RateLimit): void {
  if (limit.requestsPerSecond !== undefined) assertPositive(where, 'requestsPerSecond', limit.requestsPerSecond);
  if (limit.burst !== undefined) assertPositive(where, 'burst', limit.burst, { integer: true });
  if (limit.concurrency !== undefined) assertPositive(where, 'concurrency', limit.concurrency, { integer: true });
}
