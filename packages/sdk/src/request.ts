export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';

export type QueryValue = string | number | boolean;

/**
 * An HTTP request as data, relative to the connector's `baseUrl`. Being data rather than a call is
 * what lets the engine add auth, rate limits, idempotency headers and the audit record around it,
 * and lets docs and tests inspect an action without a network.
 */
export interface DeclarativeRequest {
  method: HttpMethod;
  path: string;
  /** Undefined values are left out, so optional inputs can be passed straight through. */
  query?: Record<string, QueryValue | readonly QueryValue[] | undefined>;
  headers?: Record<string, string>;
  body?: unknown;
  /**
   * Defaults to 'json'. 'form' is Stripe-style nested form encoding (encodeForm); 'multipart'
   * takes a MultipartPart[] body; 'raw' sends a string or bytes as they are, with the
   * content type from `headers` (a SOAP envelope, a CSV upload).
   */
  bodyEncoding?: 'json' | 'form' | 'multipart' | 'raw';
}

/** `url`, when set, is absolute and replaces baseUrl + path (a pagination link, an upload URL). */
export type HttpRequest = DeclarativeRequest & { url?: string };

export interface HttpResponse {
  status: number;
  /** Lower-case names. */
  headers: Record<string, string>;
  /** Parsed JSON when the response was JSON, otherwise the text. */
  body: unknown;
  text: string;
}
