import { TERMINAL_STATUSES } from '../core/run.ts';
import { credentialScrubber, redactBody, redactHeaders, redactQueryParameters, redactUrl, type CredentialScrubber } from '../engine/redact.ts';
import type { Store } from '../store/store.ts';
import type { RecordedCall, Recording } from './recording-file.ts';

export class RecordError extends Error {
  override readonly name = 'RecordError';
  readonly code = 'ERR_RECORD';
}

export interface RecordOptions {
  /** Body fields at any depth and query parameters redacted (the config's redactFields). */
  redactFields: string[];
  /**
   * Every credential value Weft holds (the vault's connection and flow secrets). Wherever one
   * appears (a vendor echoing a key in an error body, a URL) it is replaced: the audit log
   * redacts by name, and a recording is meant to be committed.
   */
  credentials: string[];
  /** Connections to describe besides those the calls went through (the flow's trigger connection). */
  connectionIds?: string[];
}

/** Headers that describe one delivery's framing; a replay frames its own. */
const FRAMING_HEADERS = new Set(['host', 'content-length', 'transfer-encoding', 'connection']);

/**
 * A finished run as a recording: its trigger event and every audited call, with no credential left
 * in. Names are judged by the audit log's own rule (engine/redact.ts), applied again since a record
 * may predate a name the rule now knows; values by the vault's secrets.
 */
export async function recordRun(store: Store, runId: string, options: RecordOptions): Promise<Recording> {
  const run = await store.getRun(runId);
  if (!run) throw new RecordError(`there is no run ${runId}`);
  if (!TERMINAL_STATUSES.includes(run.status)) throw new RecordError(`run ${runId} is ${run.status}; record it once it has finished`);
  const calls = await store.listCalls({ runId, limit: Number.MAX_SAFE_INTEGER, now: Date.now() });
  const [exception] = await store.listExceptions({ runId });
  const connectionIds = new Set([...(options.connectionIds ?? []), ...calls.flatMap((call) => (call.connection === undefined ? [] : [call.connection]))]);
  const connections: Recording['connections'] = {};
  for (const id of connectionIds) {
    const connection = await store.connections.get(id);
    if (connection) connections[id] = { connector: connection.connectorId, config: connection.config };
  }
  const { event } = run;
  const recording: Recording = {
    weftRecording: 1,
    flow: run.flowId,
    run: run.id,
    status: run.status,
    ...(exception ? { exception: { reason: exception.reason, message: exception.message, step: exception.stepPath } } : {}),
    trigger: {
      source: event.source,
      headers: withoutFraming(redactHeaders(event.headers)),
      query: redactQueryParameters(event.query, options.redactFields),
      body: redactValue(event.body, options.redactFields),
    },
    connections,
    calls: calls.map((call): RecordedCall => ({
      step: call.stepPath,
      attempt: call.attempt,
      ...(call.connection === undefined ? {} : { connection: call.connection }),
      method: call.method,
      url: redactUrl(call.url, options.redactFields),
      request: { headers: redactHeaders(call.requestHeaders), body: redactText(call.requestBody, options.redactFields, call.requestHeaders['content-type']) },
      response:
        call.status === null
          ? null
          : { status: call.status, headers: redactHeaders(call.responseHeaders), body: redactText(call.responseBody, options.redactFields, call.responseHeaders['content-type']) },
      ...(call.error === null ? {} : { error: call.error }),
    })),
  };
  return scrubCredentials(recording, options.credentials);
}

function withoutFraming(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !FRAMING_HEADERS.has(name)));
}

function redactText(body: string | null, fields: string[], contentType: string | undefined): string | null {
  return body === null ? null : redactBody(body, fields, contentType);
}

function redactValue(value: unknown, fields: string[]): unknown {
  return value === undefined ? undefined : JSON.parse(redactBody(JSON.stringify(value), fields));
}

/**
 * Replaces every credential value, in whatever form a header, JSON, a URL or a form gives it, in
 * every string of the recording (and every key: a body may be keyed by one).
 */
function scrubCredentials(recording: Recording, credentials: string[]): Recording {
  return scrubStrings(recording, credentialScrubber([...new Set(credentials)])) as Recording;
}

function scrubStrings(value: unknown, scrub: CredentialScrubber): unknown {
  if (typeof value === 'string') return scrub.text(value);
  if (Array.isArray(value)) return value.map((item) => scrubStrings(item, scrub));
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [scrub.text(key), scrubStrings(inner, scrub)]));
}
