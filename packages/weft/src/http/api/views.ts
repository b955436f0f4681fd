import type { CallRecord, ExceptionRecord } from '../../store/store.ts';

/** Store records in the API's shape: optional store fields become explicit nulls. */
export function exceptionView(record: ExceptionRecord) {
  return { ...record, comment: record.comment ?? null };
}

export function callView(record: CallRecord) {
  return { ...record, connection: record.connection ?? null, unanswered: record.unanswered ?? null };
}
