// The public contract for connector authors. Explicit names only: anything not listed here is
// internal and may change without a major version.

export { defineConnector } from './define-connector.ts';
export type { Connector, ConnectorDefinition, ConnectorRateLimit, RateLimit } from './define-connector.ts';

export { defineAction } from './define-action.ts';
export type {
  Action,
  ActionDefinition,
  CodeAction,
  CodeActionDefinition,
  DeclarativeAction,
  ActionXref,
  DeclarativeActionDefinition,
} from './define-action.ts';

export { defineMapping } from './define-mapping.ts';
export type { Mapping, MappingDefinition } from './define-mapping.ts';

// The canonical model as one namespace (canonical.Order, canonical.Money…) so its short names do
// not collide with a connector's own; the Canonical* types are exported flat for annotations.
export * as canonical from './canonical/index.ts';
export type {
  CanonicalAddress,
  CanonicalContact,
  CanonicalCustomer,
  CanonicalEntity,
  CanonicalInventoryLevel,
  CanonicalInvoice,
  CanonicalItem,
  CanonicalMessage,
  CanonicalMoney,
  CanonicalOrder,
  CanonicalOrderLine,
  CanonicalPayment,
  CanonicalQuantity,
  CanonicalRefund,
  CanonicalShipment,
} from './canonical/index.ts';

export { defineTrigger } from './define-trigger.ts';
export type {
  PollCursorRule,
  PollSpec,
  PollTriggerDefinition,
  Trigger,
  TriggerDefinition,
  TriggerEvent,
  WebhookSignature,
  WebhookSignatureScheme,
  WebhookSpec,
  WebhookTriggerDefinition,
} from './define-trigger.ts';
export { deliveryTopic } from './webhook-topic.ts';
export type { WebhookTopic } from './webhook-topic.ts';

export type { ActionContext, HttpClient, Logger } from './context.ts';
export type { DeclarativeRequest, HttpMethod, HttpRequest, HttpResponse, QueryValue } from './request.ts';

export { AUTH_SECRETS, apiKey, basic, bearer, hmacSigning, oauth2AuthorizationCode, oauth2ClientCredentials, tokenPassport } from './auth.ts';
export type {
  ApiKeyAuth,
  AuthScheme,
  BasicAuth,
  BearerAuth,
  HmacSigningAuth,
  OAuth2AuthorizationCodeAuth,
  OAuth2ClientAuthentication,
  OAuth2ClientCredentialsAuth,
  TokenPassportAuth,
} from './auth.ts';
export { tokenLogin, type TokenLoginAuth, type TokenLoginCredential } from './auth.ts';

export { schema } from './schema.ts';
export type { Infer, TSchema } from './schema.ts';

export {
  AuthError,
  ConflictError,
  ConnectorError,
  NotFoundError,
  PermanentError,
  RateLimitedError,
  RetryableError,
  ValidationError,
  errorFromResponse,
  isConnectorError,
  parseRetryAfter,
  MAX_RETRY_AFTER_MS,
} from './errors.ts';
export type { ConnectorErrorOptions, ErrorReason, FailedResponse } from './errors.ts';

export { pages, paginate } from './pagination/paginate.ts';
export type { FetchPage, NextPage, Page, PageResponse, PaginateOptions, PaginationStrategy } from './pagination/paginate.ts';
export { cursor } from './pagination/cursor.ts';
export { offsetLimit } from './pagination/offset-limit.ts';
export { pageNumber } from './pagination/page-number.ts';
export { findLink, linkHeader, parseLinkHeader } from './pagination/link-header.ts';
export type { LinkValue } from './pagination/link-header.ts';
export { graphqlConnection } from './pagination/graphql-connection.ts';
export type { GraphqlConnection } from './pagination/graphql-connection.ts';

export { decodeForm, encodeForm } from './protocols/form.ts';
export type { DecodedForm, DecodedFormValue, FormValue } from './protocols/form.ts';
export { encodeMultipart, parseMultipart } from './protocols/multipart.ts';
export type { EncodedMultipart, MultipartFile, MultipartPart } from './protocols/multipart.ts';
export { graphqlError, graphqlRequest, parseGraphqlResponse, throttleStatusOf } from './protocols/graphql.ts';
export type { GraphqlError, GraphqlOperation, GraphqlResponseOptions, GraphqlUserError, ThrottleStatus } from './protocols/graphql.ts';
export { buildEnvelope, parseEnvelope, soapError, soapFaultError, soapHeaders } from './protocols/soap.ts';
export type { EnvelopeSpec, ParseEnvelopeOptions, SoapEnvelope, SoapFault, SoapVersion, XmlElement, XmlValue } from './protocols/soap.ts';
export { TOKEN_PASSPORT_ALGORITHM, addTokenPassport, tokenPassportSignature } from './protocols/token-passport.ts';
export type { TokenPassportCredentials, TokenPassportFields } from './protocols/token-passport.ts';
