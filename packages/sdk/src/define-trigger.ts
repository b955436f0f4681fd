import type { Static, TSchema } from '@sinclair/typebox';
import {
  assertFunction,
  assertKebabId,
  assertPositive,
  assertSchema,
  assertText,
  freezeDeclaration,
} from './declaration.ts';
import type { PaginationStrategy } from './pagination/paginate.ts';
import type { DeclarativeRequest } from './request.ts';
import { checkWebhookTopic, type WebhookTopic } from './webhook-topic.ts';

/**
 * The schemes the engine verifies (on the raw body, in constant time). The secret is not part
 * of the declaration: it belongs to the connection and lives in the vault. `twilio` also signs
 * the public URL the vendor called, so its verifier needs that URL as well as the body.
 */
export type WebhookSignatureScheme = 'hmac-sha256' | 'standard-webhooks' | 'shopify' | 'stripe' | 'slack' | 'github' | 'twilio' | 'header-token';

export interface WebhookSignature {
  scheme: WebhookSignatureScheme;
  /**
   * The options below describe a generic 'hmac-sha256' scheme; the named schemes fix them.
   * `header-token` (a vendor that signs nothing but sends a configured token, e.g. Shiprocket's
   * x-api-key) reads only `header`.
   */
  header?: string;
  encoding?: 'hex' | 'base64';
  prefix?: string;
  signedPayload?: 'body' | 'timestamp.body';
  timestampHeader?: string;
  /** Replay window for schemes that sign a timestamp. */
  toleranceSeconds?: number;
}

export interface WebhookSpec {
  signature: WebhookSignature;
  /**
   * The vendor's delivery or event id (X-GitHub-Delivery, X-Shopify-Webhook-Id, Stripe's
   * `id`): a repeated delivery is acknowledged and not run again. Undefined makes the engine
   * fall back to a hash of the body, which misses redeliveries the vendor re-serialised.
   */
  dedupeId(headers: Record<string, string>, body: unknown): string | undefined;
  /**
   * The events the trigger runs for and where a delivery names its event, e.g.
   * `{ header: 'X-Shopify-Topic', values: ['orders/create'] }`. Without it every delivery that
   * fits `output` runs.
   */
  topic?: WebhookTopic;
}

interface PollSpecFields {
  /**
   * What the cursor holds: 'timestamp' (a time, so a start point such as `weft backfill --since
   * 2026-01-01` means something), 'id' (the last record's id) or 'opaque' (a sync token, a
   * replay id). The engine does not read or compare it: it stores the cursor the poll computed
   * and sends it back; what a poll has seen is skipped by `dedupeId`. The SDK reference shows it,
   * so an operator knows what `--since` takes.
   */
  cursor: 'timestamp' | 'id' | 'opaque';
  /** Undefined cursor: the first poll of a new connection. */
  request(cursor: string | undefined): DeclarativeRequest;
  /** Where the records are in a page; omit when `pagination` says so. */
  items?(body: unknown): unknown[];
  pagination?: PaginationStrategy;
  /**
   * Per record, because timestamp cursors overlap on purpose (records that share the boundary
   * second) and the overlap must not run twice.
   */
  dedupeId(item: unknown): string | undefined;
  intervalMs?: number;
}

/**
 * How a poll computes the cursor it leaves for the next one: exactly one of the three. The first
 * two let the engine hold one page at a time, however many pages a poll reads (a backfill of a
 * year of orders); `nextCursor` makes it keep every record of the poll until its last page.
 */
export type PollCursorRule =
  | {
      /**
       * The cursor after also seeing `item`, from the cursor after the records before it:
       * `soFar` is undefined before the first record of each poll (never the stored cursor), so
       * it only ever holds what this function returned. For a timestamp cursor, the later of
       * the two. Called record by record, in the order the pages and their records come; the
       * result of the last is the next cursor, and a poll with no records keeps the previous one.
       */
      cursorAfter(soFar: string | undefined, item: unknown): string | undefined;
      cursorFromLastPage?: never;
      nextCursor?: never;
    }
  | {
      /**
       * The cursor in the last page's body (a sync token, a delta link), read once the last page
       * is in; undefined keeps the previous cursor.
       */
      cursorFromLastPage(body: unknown): string | undefined;
      cursorAfter?: never;
      nextCursor?: never;
    }
  | {
      /**
       * From everything this poll returned; undefined keeps the previous cursor. Kept for the
       * connectors written against it: the engine holds every record of the poll in memory
       * until the last page to call it, so prefer `cursorAfter` (or `cursorFromLastPage`).
       */
      nextCursor(items: unknown[], lastBody: unknown): string | undefined;
      cursorAfter?: never;
      cursorFromLastPage?: never;
    };

export type PollSpec = PollSpecFields & PollCursorRule;

interface TriggerFields<O extends TSchema> {
  id: string;
  name: string;
  description?: string;
  /** One event's payload. */
  output: O;
}

export interface WebhookTriggerDefinition<O extends TSchema> extends TriggerFields<O> {
  strategy: 'webhook';
  webhook: WebhookSpec;
  poll?: never;
}

export interface PollTriggerDefinition<O extends TSchema> extends TriggerFields<O> {
  strategy: 'poll';
  poll: PollSpec;
  webhook?: never;
}

export type TriggerDefinition<O extends TSchema> = WebhookTriggerDefinition<O> | PollTriggerDefinition<O>;

export type Trigger<O extends TSchema = TSchema> = Readonly<TriggerDefinition<O>>;

/** The type of one event a trigger produces. */
export type TriggerEvent<T extends Trigger> = T extends Trigger<infer O> ? Static<O> : never;

const GENERIC_SIGNATURE_OPTIONS = ['header', 'encoding', 'prefix', 'signedPayload', 'timestampHeader'] as const;
const SCHEMES: readonly WebhookSignatureScheme[] = ['hmac-sha256', 'standard-webhooks', 'shopify', 'stripe', 'slack', 'github', 'twilio', 'header-token'];

export function defineTrigger<O extends TSchema>(definition: TriggerDefinition<O>): Trigger<O> {
  const where = `defineTrigger(${JSON.stringify(definition.id)})`;
  assertKebabId(where, definition.id);
  assertText(where, 'name', definition.name);
  assertSchema(where, 'output', definition.output);

  if (definition.strategy === 'webhook') {
    if (definition.poll !== undefined) throw new TypeError(`${where}: a webhook trigger takes webhook, not poll`);
    if (typeof definition.webhook !== 'object' || definition.webhook === null) throw new TypeError(`${where}: webhook is required`);
    checkSignature(where, definition.webhook.signature);
    assertFunction(where, 'webhook.dedupeId', definition.webhook.dedupeId);
    if (definition.webhook.topic !== undefined) checkWebhookTopic(where, definition.webhook.topic);
  } else if (definition.strategy === 'poll') {
    if (definition.webhook !== undefined) throw new TypeError(`${where}: a poll trigger takes poll, not webhook`);
    checkPoll(where, definition.poll);
  } else {
    throw new TypeError(`${where}: strategy must be 'webhook' or 'poll', got ${JSON.stringify((definition as { strategy: unknown }).strategy)}`);
  }
  return freezeDeclaration({ ...definition });
}

function checkSignature(where: string, signature: WebhookSignature | undefined): void {
  if (signature === undefined || !SCHEMES.includes(signature.scheme)) {
    throw new TypeError(`${where}: webhook.signature.scheme must be one of ${SCHEMES.join(', ')}`);
  }
  if (signature.scheme !== 'hmac-sha256') {
    // header-token names its header; every other named scheme fixes all of them.
    const stray = GENERIC_SIGNATURE_OPTIONS.find((option) => signature[option] !== undefined && !(signature.scheme === 'header-token' && option === 'header'));
    if (stray !== undefined) throw new TypeError(`${where}: the ${signature.scheme} scheme fixes ${stray}; it only applies to 'hmac-sha256'`);
  }
  if (signature.signedPayload === 'timestamp.body' && signature.timestampHeader === undefined) {
    throw new TypeError(`${where}: signedPayload 'timestamp.body' needs a timestampHeader`);
  }
  if (signature.toleranceSeconds !== undefined) assertPositive(where, 'webhook.signature.toleranceSeconds', signature.toleranceSeconds);
}

function checkPoll(where: string, poll: PollSpec | undefined): void {
  if (typeof poll !== 'object' || poll === null) throw new TypeError(`${where}: poll is required`);
  if (!['timestamp', 'id', 'opaque'].includes(poll.cursor)) {
    throw new TypeError(`${where}: poll.cursor must be 'timestamp', 'id' or 'opaque'`);
  }
  assertFunction(where, 'poll.request', poll.request);
  checkCursorRule(where, poll);
  assertFunction(where, 'poll.dedupeId', poll.dedupeId);
  if ((poll.items === undefined) === (poll.pagination === undefined)) {
    throw new TypeError(`${where}: give exactly one of poll.items or poll.pagination (which already says where the items are)`);
  }
  if (poll.items !== undefined) assertFunction(where, 'poll.items', poll.items);
  if (poll.intervalMs !== undefined) assertPositive(where, 'poll.intervalMs', poll.intervalMs, { integer: true });
}

const CURSOR_RULES = ['cursorAfter', 'cursorFromLastPage', 'nextCursor'] as const;

/** One rule, so which one computes the cursor (and whether the engine must hold the poll) is never in doubt. */
function checkCursorRule(where: string, poll: PollSpec): void {
  const given = CURSOR_RULES.filter((rule) => poll[rule] !== undefined);
  if (given.length !== 1) {
    throw new TypeError(
      `${where}: give exactly one of poll.cursorAfter (the cursor record by record), poll.cursorFromLastPage (a token in the last page) or poll.nextCursor (from every record, held until the last page); got ${given.length === 0 ? 'none' : given.join(' and ')}`,
    );
  }
  assertFunction(where, `poll.${given[0]!}`, poll[given[0]!]);
}
