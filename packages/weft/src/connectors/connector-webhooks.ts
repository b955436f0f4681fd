import { Value } from '@sinclair/typebox/value';
import { deliveryTopic } from '@weft/sdk';
import type { SignatureConfig } from '../http/webhooks/signatures.ts';
import type { LoadedFlow } from '../flows/load-flow.ts';
import { ConnectionError, type ConnectionRuntime } from './connection-runtime.ts';
import type { Vault } from './vault/vault.ts';

/** The vault secret a connection keeps its webhook signing secret under. */
export const WEBHOOK_SECRET = 'webhookSecret';

/** How deliveries to a flow whose webhook names a connection are verified, identified and filtered. */
export interface ConnectorWebhook {
  signature: SignatureConfig;
  /** The vendor's delivery or event id; undefined falls back to a hash of the body. */
  dedupeId(headers: Record<string, string>, body: unknown): string | undefined;
  /** Why a delivery is not for this trigger (another topic): acknowledged, not run. Undefined: it is. */
  ignores(headers: Record<string, string>, body: unknown): string | undefined;
  /** How a delivery of the trigger's topic breaks the event's declared shape; undefined when it fits. */
  misfit(headers: Record<string, string>, body: unknown): WebhookMisfit | undefined;
}

/** A delivery of the right topic whose body does not fit the trigger's output schema. */
export interface WebhookMisfit {
  trigger: string;
  topic: string | undefined;
  /** The first schema error as a path and a rule, never the value: it is logged. */
  firstError: string;
}

/**
 * `webhook: { path, connection: stripe, trigger: payment-intent-succeeded }`: the connector's
 * trigger declares the signature scheme, the dedupe id, the topics it runs for and the event's
 * shape; the secret is the connection's, from the vault.
 */
export function createConnectorWebhooks(connections: ConnectionRuntime, vault: Vault) {
  return async (flow: LoadedFlow): Promise<ConnectorWebhook | undefined> => {
    const webhook = 'webhook' in flow.flow.trigger ? flow.flow.trigger.webhook : undefined;
    if (webhook?.connection === undefined) return undefined;
    const { connection, connector } = await connections.resolve(webhook.connection);
    const trigger = connector.triggers.find((candidate) => candidate.id === webhook.trigger);
    if (!trigger || trigger.strategy !== 'webhook') {
      throw new ConnectionError('ERR_CONNECTION_UNKNOWN_CONNECTOR', `connector '${connector.id}' has no webhook trigger '${webhook.trigger}'`);
    }
    const secret = await vault.get(connection.id, WEBHOOK_SECRET);
    if (secret === undefined) {
      throw new ConnectionError('ERR_CONNECTION_UNKNOWN', `connection '${connection.id}' has no ${WEBHOOK_SECRET}; add it with \`weft connections add ${connection.id} … --secret ${WEBHOOK_SECRET}=env:VAR\``);
    }
    return {
      signature: { ...trigger.webhook.signature, secret },
      dedupeId: (headers, body) => trigger.webhook.dedupeId(headers, body),
      ignores: (headers, body) => {
        const { topic } = trigger.webhook;
        if (topic === undefined) return undefined;
        const named = deliveryTopic(topic, headers, body);
        if (named !== undefined && topic.values.includes(named)) return undefined;
        const where = topic.header ?? topic.field;
        return `the flow's trigger ${trigger.id} takes ${where} ${topic.values.join(' or ')}, not ${named ?? 'a delivery without one'}`;
      },
      misfit: (headers, body) => {
        const error = Value.Errors(trigger.output, body).First();
        if (error === undefined) return undefined;
        const topic = trigger.webhook.topic === undefined ? undefined : deliveryTopic(trigger.webhook.topic, headers, body);
        return { trigger: trigger.id, topic, firstError: `${error.path === '' ? 'the event' : error.path}: ${error.message}` };
      },
    };
  };
}
