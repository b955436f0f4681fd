import type { Static, TSchema } from '@sinclair/typebox';
import type { Logger } from '../context.ts';
import type { Action } from '../define-action.ts';
import { pages } from '../pagination/paginate.ts';
import type { TestHttpClient } from './fetch-http-client.ts';

const quietLog: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * Runs one action the way the engine does, minus the durable parts: a declarative request is
 * sent (every page of it, with `pagination`) and mapped by `response`; a code action gets a
 * context whose `http` applies the action's `errors` hook. Failures reject with the
 * ConnectorError the engine would see.
 */
export async function runAction<I extends TSchema, O extends TSchema>(
  action: Action<I, O>,
  input: Static<I>,
  options: {
    http: TestHttpClient;
    connection?: { id: string; config: Record<string, unknown> };
    signal?: AbortSignal;
    log?: Logger;
    /** Stops pagination after this many pages; default unlimited. */
    maxPages?: number;
  },
): Promise<Static<O>> {
  const { http } = options;
  const errors = action.errors?.bind(action);
  const requestOptions = { ...(errors === undefined ? {} : { errors }), ...(options.signal === undefined ? {} : { signal: options.signal }) };

  if (action.kind === 'code') {
    return action.run({
      input,
      http: { request: (request) => http.request(request, requestOptions) },
      log: options.log ?? quietLog,
      signal: options.signal ?? new AbortController().signal,
      connection: options.connection ?? { id: 'test', config: {} },
    });
  }
  const request = action.request(input);
  let raw: unknown;
  if (action.pagination === undefined) {
    raw = (await http.request(request, requestOptions)).body;
  } else {
    const items: unknown[] = [];
    const fetchPage = (pageRequest: typeof request) => http.request(pageRequest, requestOptions);
    for await (const page of pages(action.pagination, request, fetchPage, { maxPages: options.maxPages ?? Infinity })) items.push(...page.items);
    raw = items;
  }
  return (action.response === undefined ? raw : action.response(raw)) as Static<O>;
}
