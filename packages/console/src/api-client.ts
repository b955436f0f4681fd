import type { Role } from './api-types.ts';

/** A problem+json answer, or a network failure, in words an operator can act on. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface Session {
  token: string;
  name: string;
  role: Role;
  /** An admin session from the password ends on sign-out; an API token outlives it. */
  kind: 'session' | 'token';
}

export type Query = Record<string, string | number | undefined | null>;

export interface ApiClient {
  get<T>(path: string, query?: Query): Promise<T>;
  post<T>(path: string, body?: unknown): Promise<T>;
  del<T>(path: string): Promise<T>;
  /** An EventSource URL: EventSource cannot send headers, so the token rides in the query. */
  streamUrl(path: string): string;
}

export const API_BASE = '/api/v1';

export function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

async function send<T>(method: string, path: string, token: string | null, body: unknown, onUnauthorized: () => void): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(API_BASE + path, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  } catch {
    throw new ApiError(0, 'network', 'The engine did not answer. Is it running?');
  }
  const text = await response.text();
  const parsed: unknown = text ? safeParse(text) : undefined;
  if (!response.ok) {
    if (response.status === 401 && token) onUnauthorized();
    const problem = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as { detail?: string; title?: string; code?: string };
    // The title says what went wrong ("The store is unavailable"), the detail what to do or which one ("retry shortly").
    const message = problem.title && problem.detail ? `${problem.title}: ${problem.detail}` : (problem.detail ?? problem.title ?? `HTTP ${response.status}`);
    throw new ApiError(response.status, problem.code ?? String(response.status), message);
  }
  return parsed as T;
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export function createApiClient(token: string | null, onUnauthorized: () => void = () => {}): ApiClient {
  return {
    get: (path, query) => send('GET', withQuery(path, query), token, undefined, onUnauthorized),
    post: (path, body) => send('POST', path, token, body ?? {}, onUnauthorized),
    del: (path) => send('DELETE', path, token, undefined, onUnauthorized),
    streamUrl: (path) => API_BASE + withQuery(path, { access_token: token }),
  };
}

/** Sign in with the local admin password or an API token; either way the console keeps a token. */
export async function signIn(credential: { password: string } | { token: string }): Promise<Session> {
  const api = createApiClient(null);
  if ('password' in credential) {
    const answer = await api.post<{ token: string; role: Role; name?: string }>('/session', { password: credential.password });
    return { token: answer.token, role: answer.role, name: answer.name ?? 'admin', kind: 'session' };
  }
  const answer = await api.post<{ role: Role; name: string }>('/session', { token: credential.token });
  return { token: credential.token, role: answer.role, name: answer.name, kind: 'token' };
}
