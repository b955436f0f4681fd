import type { NewCallRecord } from '../store/store.ts';

/** What a call is labelled with: its connection, or the destination host of a raw HTTP call (never its path or query). */
export function callTarget(call: Pick<NewCallRecord, 'connection' | 'url'>): string {
  if (call.connection !== undefined) return call.connection;
  try {
    return new URL(call.url).host;
  } catch {
    return 'invalid-url';
  }
}

/** The URL without its query string, which may carry keys that must not leave the audit log. */
export function urlWithoutQuery(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return 'invalid-url';
  }
}
