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
  | TokenPassportAuth;

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

export interface OAuth2ClientCredentialsAuth {
  readonly kind: 'oauth2-client-credentials';
  readonly tokenUrl: string;
  readonly scopes: readonly string[];
}

export interface OAuth2AuthorizationCodeAuth {
  readonly kind: 'oauth2-authorization-code';
  readonly authorizationUrl: string;
  readonly tokenUrl: string;
  readonly scopes: readonly string[];
  /** Required rather than defaulted: whether the vendor supports PKCE is a fact to look up. */
  readonly pkce: boolean;
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

export function oauth2ClientCredentials(options: { tokenUrl: string; scopes?: readonly string[] }): OAuth2ClientCredentialsAuth {
  assertHttpUrl('oauth2ClientCredentials', 'tokenUrl', options.tokenUrl);
  return freezeDeclaration({ kind: 'oauth2-client-credentials', tokenUrl: options.tokenUrl, scopes: [...(options.scopes ?? [])] });
}

export function oauth2AuthorizationCode(options: {
  authorizationUrl: string;
  tokenUrl: string;
  scopes?: readonly string[];
  pkce: boolean;
}): OAuth2AuthorizationCodeAuth {
  assertHttpUrl('oauth2AuthorizationCode', 'authorizationUrl', options.authorizationUrl);
  assertHttpUrl('oauth2AuthorizationCode', 'tokenUrl', options.tokenUrl);
  return freezeDeclaration({
    kind: 'oauth2-authorization-code',
    authorizationUrl: options.authorizationUrl,
    tokenUrl: options.tokenUrl,
    scopes: [...(options.scopes ?? [])],
    pkce: options.pkce,
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
};
