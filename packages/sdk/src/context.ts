import type { HttpRequest, HttpResponse } from './request.ts';

/**
 * What a `run()` action calls instead of fetch. The engine implements it: base URL, auth,
 * rate limits, the egress guard and the audit record all live behind this one method, so a
 * connector cannot bypass them. A failed response rejects with a ConnectorError (the action's
 * `errors` hook first, then `errorFromResponse`), so code reads as the happy path and catches
 * only what it handles, e.g. NotFoundError for lookup-before-create.
 */
export interface HttpClient {
  request(request: HttpRequest): Promise<HttpResponse>;
}

/** pino-shaped: structured fields first, so operators can filter on them. */
export interface Logger {
  debug(fields: Record<string, unknown>, message?: string): void;
  info(fields: Record<string, unknown>, message?: string): void;
  warn(fields: Record<string, unknown>, message?: string): void;
  error(fields: Record<string, unknown>, message?: string): void;
}

export interface ActionContext<I> {
  input: I;
  http: HttpClient;
  log: Logger;
  /** Aborted when the run is cancelled or its attempt times out; pass it on to long work. */
  signal: AbortSignal;
  /** Non-secret settings only: credentials stay inside the engine's HTTP client. */
  connection: { id: string; config: Record<string, unknown> };
}
