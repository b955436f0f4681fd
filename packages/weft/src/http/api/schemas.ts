import { Type, type TSchema } from '@sinclair/typebox';
import { REASONS } from '../../core/exception.ts';

/** Shared shapes of the management API. Responses are serialised by these schemas: a field not declared here never leaves. */

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const Millis = Type.Integer({ description: 'epoch milliseconds' });

export const RunStatusSchema = Type.Union(['queued', 'running', 'waiting', 'succeeded', 'exception'].map((s) => Type.Literal(s)));
export const ReasonSchema = Type.Union(REASONS.map((r) => Type.Literal(r)));
export const ExceptionStatusSchema = Type.Union(['open', 'replayed', 'discarded', 'resolved'].map((s) => Type.Literal(s)));
export const RoleSchema = Type.Union([Type.Literal('viewer'), Type.Literal('operator'), Type.Literal('admin')]);

export const RunSummarySchema = Type.Object({
  id: Type.String(),
  flowId: Type.String(),
  eventId: Type.String(),
  status: RunStatusSchema,
  orderingKey: Nullable(Type.String()),
  createdAt: Millis,
  updatedAt: Millis,
  dueAt: Millis,
  finishedAt: Nullable(Millis),
  fence: Type.Integer(),
  lastError: Nullable(Type.String()),
});

export const ExceptionRecordSchema = Type.Object({
  id: Type.String(),
  runId: Type.String(),
  flowId: Type.String(),
  eventId: Type.String(),
  reason: ReasonSchema,
  message: Type.String({ description: 'the plain-words sentence' }),
  stepPath: Nullable(Type.String()),
  input: Type.Unknown(),
  lastResponse: Type.Unknown(),
  status: ExceptionStatusSchema,
  createdAt: Millis,
  resolvedAt: Nullable(Millis),
  comment: Nullable(Type.String()),
});

export const CallRecordSchema = Type.Object({
  id: Type.Integer(),
  at: Millis,
  flowId: Type.String(),
  runId: Type.String(),
  stepPath: Type.String(),
  attempt: Type.Integer(),
  method: Type.String(),
  url: Type.String(),
  status: Nullable(Type.Integer()),
  durationMs: Type.Integer({ description: 'From the request leaving to its answer or failure; 0 while the call is unanswered.' }),
  requestHeaders: Type.Record(Type.String(), Type.String(), { description: 'redacted' }),
  requestBody: Nullable(Type.String({ description: 'redacted and capped' })),
  responseHeaders: Type.Record(Type.String(), Type.String()),
  responseBody: Nullable(Type.String()),
  error: Nullable(Type.String()),
  connection: Nullable(Type.String()),
  unanswered: Type.Union([Type.Literal('in-flight'), Type.Literal('interrupted'), Type.Null()], {
    description:
      'A call is recorded before its request leaves; null once its answer (or failure) is recorded. in-flight: its run still holds the claim it was sent under, its lease unexpired. interrupted: the process stopped (or lost the run) with the request out, so the destination may have received it. status is then null, and error says the same in words.',
  }),
});

export const PageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
  cursor: Type.Optional(Type.String({ minLength: 1, description: 'nextCursor of the previous page' })),
};

export const Page = <T extends TSchema>(item: T) => Type.Object({ items: Type.Array(item), nextCursor: Nullable(Type.String()) });

export const IdParams = Type.Object({ id: Type.String({ minLength: 1 }) });

export { Nullable, Millis };
