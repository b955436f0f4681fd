// `@weft/sdk/testing`: what a connector's tests import. Kept out of the main entry point so a
// connector's runtime never loads node:test or the sandbox server.

export { createSandbox } from './sandbox.ts';
export type {
  FaultControl,
  Faults,
  RequestRecord,
  RunningSandbox,
  Sandbox,
  SandboxContext,
  SandboxDefinition,
  SandboxFailure,
  SandboxRateLimit,
  SandboxRequest,
  SandboxResponse,
  SandboxRoute,
  SandboxWebhooks,
  WebhookControl,
  WebhookDelivery,
  WebhookSendOptions,
} from './sandbox.ts';

export { createCollection } from './collection.ts';
export type { Collection } from './collection.ts';

export { connectorContract } from './connector-contract.ts';
export type {
  ActionSample,
  ConnectionSample,
  ConnectorContractOptions,
  ContractHttpClientFactory,
  ContractSandbox,
  TriggerSample,
} from './connector-contract.ts';

export { authFromCredentials, createTestHttpClient } from './fetch-http-client.ts';
export type { ErrorsHook, TestHttpClient, TestHttpClientOptions, TestTokenLogin } from './fetch-http-client.ts';

export { rejection } from './rejection.ts';
export { runAction } from './run-action.ts';
export { verifyWebhookSignature } from './webhook-signature.ts';
export { startWebhookReceiver } from './webhook-receiver.ts';
export type { ReceivedDelivery, WebhookReceiver } from './webhook-receiver.ts';
