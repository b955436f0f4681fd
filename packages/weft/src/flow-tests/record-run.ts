import { TERMINAL_STATUSES } from '../core/run.ts';
import { DEFAULT_REDACTED_HEADERS, MIN_SCRUBBED_LENGTH, REDACTED, REDACTED_HEADER_FRAGMENTS, redactBody, redactHeaders } from '../engine/redact.ts';
import type { Store } from '../store/store.ts';
import type { RecordedCall, Recording } from './recording-file.ts';

export class RecordError extends Error {
  override readonly name = 'RecordError';
  readonly code = 'ERR_RECORD';
}

export interface RecordOptions {
  /** Body fields redacted at any depth (the config's redactFields). */
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

/** A finished run as a recording: its trigger event and every audited call, with no credential left in. */
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
      query: redactQuery(event.query),
      body: redactValue(event.body, options.redactFields),
    },
    connections,
    calls: calls.map((call): RecordedCall => ({
      step: call.stepPath,
      attempt: call.attempt,
      ...(call.connection === undefined ? {} : { connection: call.connection }),
      method: call.method,
      url: redactUrl(call.url),
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

/** Query parameters named like credentials (api_key, access_token, signature) are redacted, as headers are. */
function isSecretName(name: string): boolean {
  const normalised = name.toLowerCase().replaceAll('_', '-');
  return DEFAULT_REDACTED_HEADERS.includes(normalised) || REDACTED_HEADER_FRAGMENTS.some((fragment) => normalised.includes(fragment)) || normalised === 'key';
}

function redactQuery(query: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(query).map(([name, value]) => [name, isSecretName(name) ? REDACTED : value]));
}

function redactUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.username !== '' || parsed.password !== '') {
    parsed.username = '';
    parsed.password = '';
  }
  for (const name of [...parsed.searchParams.keys()]) if (isSecretName(name)) parsed.searchParams.set(name, REDACTED);
  return parsed.toString();
}

/** Replaces every credential value, in whatever form JSON or a URL gives it, wherever it appears. */
function scrubCredentials(recording: Recording, credentials: string[]): Recording {
  let text = JSON.stringify(recording);
  const values = [...new Set(credentials)].filter((value) => value.length >= MIN_SCRUBBED_LENGTH).sort((a, b) => b.length - a.length);
  for (const value of values) {
    for (const form of new Set([JSON.stringify(value).slice(1, -1), JSON.stringify(encodeURIComponent(value)).slice(1, -1)])) {
      text = text.split(form).join(REDACTED);
    }
  }
  return JSON.parse(text) as Recording;
}
