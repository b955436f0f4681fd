import { assertHttpUrl, assertText, freezeDeclaration } from './declaration.ts';

/**
 * Auth schemes are declarations only: which credentials a connection needs and where they go.
 * The secrets themselves live in the engine's vault and are applied by its HTTP client, so
 * connector code never holds them.
 */
export type AuthScheme =
  | ApiKeyAuth
  | BasicAuth
  | BearerAuth
  | OAuth2ClientCredentialsAuth
  | OAuth2AuthorizationCodeAuth
  | HmacSigningAuth
  | TokenPassportAuth
  | TokenLoginAuth;

export interface ApiKeyAuth {
  readonly kind: 'api-key';
  readonly in: 'header' | 'query';
  readonly name: string;
  /** Put before the key in a header, e.g. "Token " or "ApiKey ". */
  readonly prefix?: string;
}

export interface BasicAuth {
  readonly kind: 'basic';
}

export interface BearerAuth {
  readonly kind: 'bearer';
}

/**
 * A token endpoint is an absolute URL, or a path ("/oauth/token") on the connection's own base
 * URL for vendors that serve it from the API host (FedEx): a connection pointed at a test host
 * then gets its tokens there too. A connection may also override it (`--set tokenUrl=…`).
 */
export interface OAuth2ClientCredentialsAuth {
  readonly kind: 'oauth2-client-credentials';
  readonly tokenUrl: string;
  readonly scopes: readonly string[];
  /** How the client id and secret reach the token endpoint. Default client_secret_basic (RFC 6749 §2.3.1). */
  readonly clientAuthentication?: OAuth2ClientAuthentication;
}

export type OAuth2ClientAuthentication = 'client_secret_basic' | 'client_secret_post';

export interface OAuth2AuthorizationCodeAuth {
  readonly kind: 'oauth2-authorization-code';
  readonly authorizationUrl: string;
  readonly tokenUrl: string;
  readonly scopes: readonly string[];
  /** Required rather than defaulted: whether the vendor supports PKCE is a fact to look up. */
  readonly pkce: boolean;
  readonly clientAuthentication?: OAuth2ClientAuthentication;
}

/** Request signing with a shared secret, for APIs that want a MAC on every request. */
export interface HmacSigningAuth {
  readonly kind: 'hmac-signing';
  readonly algorithm: 'sha256' | 'sha512' | 'sha1';
  /** The header that carries the signature. */
  readonly header: string;
  readonly encoding: 'hex' | 'base64';
  readonly prefix?: string;
  /** What is signed, in order, joined by `separator`. */
  readonly payload: readonly ('timestamp' | 'method' | 'path' | 'query' | 'body')[];
  readonly separator: string;
  /** Where the signed timestamp (epoch seconds) is sent, when `payload` includes it. */
  readonly timestampHeader?: string;
}

/**
 * NetSuite's token-based authentication for SOAP: a signed `tokenPassport` element in the
 * envelope's Header, new for every request (a nonce and a timestamp, each usable once). The
 * signature is base64(HMAC-SHA256(consumerSecret&tokenSecret, account&consumerKey&token&nonce&timestamp)).
 */
export interface TokenPassportAuth {
  readonly kind: 'token-passport';
  /** The namespace of the `tokenPassport` element (the WSDL's messages schema). */
  readonly passportNamespace: string;
  /** The namespace of its children, account … signature (the TokenPassport type's schema). */
  readonly fieldsNamespace: string;
}

/**
 * A session token from a login endpoint: POST the connection's user name and password as JSON,
 * read the token from the answer, send it as `Authorization: Bearer <token>` until it expires,
 * then log in again (Shiprocket's `/v1/external/auth/login`, whose tokens last 10 days). The
 * vendor says how long a token lives in its docs, not in the answer, so the declaration does.
 */
export interface TokenLoginAuth {
  readonly kind: 'token-login';
  /** The login endpoint, relative to the connection's base URL (so a sandbox base URL moves it too). */
  readonly path: string;
  /** The JSON body's field names, each mapped to the vault secret it carries: `{ email: 'username', password: 'password' }`. */
  readonly body: Readonly<Record<string, TokenLoginCredential>>;
  /** The top-level field of the login answer that holds the token. */
  readonly tokenField: string;
  /** How long a token is valid, counted from when the login request left. */
  readonly lifetimeSeconds: number;
}

/** The vault secrets a token login may send; fixed names, so AUTH_SECRETS can list them. */
export type TokenLoginCredential = 'username' | 'password';

export function apiKey(options: { in: 'header' | 'query'; name: string; prefix?: string }): ApiKeyAuth {
  assertText('apiKey', 'name', options.name);
  return freezeDeclaration({
    kind: 'api-key',
    in: options.in,
    name: options.name,
    ...(options.prefix === undefined ? {} : { prefix: options.prefix }),
  });
}

export function basic(): BasicAuth {
  return freezeDeclaration({ kind: 'basic' });
}

export function bearer(): BearerAuth {
  return freezeDeclaration({ kind: 'bearer' });
}

export function oauth2ClientCredentials(options: {
  tokenUrl: string;
  scopes?: readonly string[];
  clientAuthentication?: OAuth2ClientAuthentication;
}): OAuth2ClientCredentialsAuth {
  assertEndpoint('oauth2ClientCredentials', 'tokenUrl', options.tokenUrl);
  return freezeDeclaration({
    kind: 'oauth2-client-credentials',
    tokenUrl: options.tokenUrl,
    scopes: [...(options.scopes ?? [])],
    ...(options.clientAuthentication === undefined ? {} : { clientAuthentication: options.clientAuthentication }),
  });
}

/** An absolute http(s) URL, or a path on the connection's base URL. */
function assertEndpoint(where: string, field: string, value: string): void {
  if (typeof value === 'string' && value.startsWith('/') && !value.startsWith('//')) return;
  assertHttpUrl(where, field, value);
}

export function oauth2AuthorizationCode(options: {
  authorizationUrl: string;
  tokenUrl: string;
  scopes?: readonly string[];
  pkce: boolean;
  clientAuthentication?: OAuth2ClientAuthentication;
}): OAuth2AuthorizationCodeAuth {
  assertEndpoint('oauth2AuthorizationCode', 'authorizationUrl', options.authorizationUrl);
  assertEndpoint('oauth2AuthorizationCode', 'tokenUrl', options.tokenUrl);
  return freezeDeclaration({
    kind: 'oauth2-authorization-code',
    authorizationUrl: options.authorizationUrl,
    tokenUrl: options.tokenUrl,
    scopes: [...(options.scopes ?? [])],
    pkce: options.pkce,
    ...(options.clientAuthentication === undefined ? {} : { clientAuthentication: options.clientAuthentication }),
  });
}

export function hmacSigning(options: {
  header: string;
  payload: HmacSigningAuth['payload'];
  algorithm?: HmacSigningAuth['algorithm'];
  encoding?: HmacSigningAuth['encoding'];
  prefix?: string;
  separator?: string;
  timestampHeader?: string;
}): HmacSigningAuth {
  assertText('hmacSigning', 'header', options.header);
  if (options.payload.length === 0) throw new TypeError('hmacSigning: payload must name at least one part to sign');
  if (options.payload.includes('timestamp') && options.timestampHeader === undefined) {
    throw new TypeError('hmacSigning: a signed timestamp needs a timestampHeader, or the receiver cannot check it');
  }
  return freezeDeclaration({
    kind: 'hmac-signing',
    ...options,
    algorithm: options.algorithm ?? 'sha256',
    encoding: options.encoding ?? 'hex',
    separator: options.separator ?? '',
    payload: [...options.payload],
  });
}

export function tokenPassport(options: { passportNamespace: string; fieldsNamespace: string }): TokenPassportAuth {
  assertText('tokenPassport', 'passportNamespace', options.passportNamespace);
  assertText('tokenPassport', 'fieldsNamespace', options.fieldsNamespace);
  return freezeDeclaration({ kind: 'token-passport', passportNamespace: options.passportNamespace, fieldsNamespace: options.fieldsNamespace });
}

export function tokenLogin(options: {
  path: string;
  body: Record<string, TokenLoginCredential>;
  tokenField: string;
  lifetimeSeconds: number;
}): TokenLoginAuth {
  assertText('tokenLogin', 'path', options.path);
  if (!options.path.startsWith('/')) throw new TypeError('tokenLogin: path must start with "/"; it is joined to the connection\'s base URL');
  assertText('tokenLogin', 'tokenField', options.tokenField);
  const fields = Object.entries(options.body);
  for (const [field, credential] of fields) {
    assertText('tokenLogin', 'body field', field);
    if (credential !== 'username' && credential !== 'password') {
      throw new TypeError(`tokenLogin: body.${field} must name the "username" or "password" secret, got ${JSON.stringify(credential)}`);
    }
  }
  for (const needed of ['username', 'password'] as const) {
    if (fields.filter(([, credential]) => credential === needed).length !== 1) {
      throw new TypeError(`tokenLogin: exactly one body field must carry the "${needed}" secret`);
    }
  }
  if (!Number.isInteger(options.lifetimeSeconds) || options.lifetimeSeconds <= 0) {
    throw new TypeError('tokenLogin: lifetimeSeconds must be a positive whole number of seconds');
  }
  return freezeDeclaration({
    kind: 'token-login',
    path: options.path,
    body: { ...options.body },
    tokenField: options.tokenField,
    lifetimeSeconds: options.lifetimeSeconds,
  });
}

/**
 * The vault secrets each scheme reads, declared once: the engine applies them, `weft
 * connections add` asks for the required ones, and the reference docs list them.
 */
export const AUTH_SECRETS: Readonly<Record<AuthScheme['kind'], { required: readonly string[]; optional: readonly string[]; sentAs: string }>> = {
  'api-key': { required: ['apiKey'], optional: [], sentAs: 'header `name: <prefix><apiKey>` or query `name`' },
  basic: { required: ['username'], optional: ['password'], sentAs: '`Authorization: Basic base64(user:password)`' },
  bearer: { required: ['token'], optional: [], sentAs: '`Authorization: Bearer <token>`' },
  'oauth2-client-credentials': { required: ['clientId', 'clientSecret'], optional: [], sentAs: '`Authorization: Bearer <access token>`' },
  'oauth2-authorization-code': {
    required: ['clientId'],
    optional: ['clientSecret'],
    sentAs: '`Authorization: Bearer <access token>` (tokens from `weft connect`, kept in the vault)',
  },
  'hmac-signing': { required: ['signingSecret'], optional: [], sentAs: '`<header>: <prefix><mac>`, plus the timestamp header' },
  'token-passport': {
    required: ['account', 'consumerKey', 'consumerSecret', 'tokenId', 'tokenSecret'],
    optional: [],
    sentAs: 'a signed `tokenPassport` in the SOAP Header (HMAC-SHA256, fresh nonce and timestamp per request)',
  },
  'token-login': {
    required: ['username', 'password'],
    optional: [],
    sentAs: '`Authorization: Bearer <token>`, the token from the login endpoint (logged in again before it expires and after a 401)',
  },
};
