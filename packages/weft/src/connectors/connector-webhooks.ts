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
  /**
   * Why a delivery is not for this trigger (another topic, or a body that does not fit the
   * event): acknowledged, not run. Undefined: run it.
   */
  ignores(headers: Record<string, string>, body: unknown): string | undefined;
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
        if (topic !== undefined) {
          const named = deliveryTopic(topic, headers, body);
          if (named === undefined || !topic.values.includes(named)) {
            const where = topic.header ?? topic.field;
            return `the flow's trigger ${trigger.id} takes ${where} ${topic.values.join(' or ')}, not ${named ?? 'a delivery without one'}`;
          }
        }
        return Value.Check(trigger.output, body) ? undefined : "the event does not match the flow's trigger";
      },
    };
  };
}
