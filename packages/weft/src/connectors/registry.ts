import type { Action, Connector } from '@weft/sdk';

/** The connectors this engine knows, by id: an explicit list, checked once at start. */
export interface ConnectorRegistry {
  get(connectorId: string): Connector | undefined;
  list(): readonly Connector[];
  action(connectorId: string, actionId: string): Action | undefined;
}

export class DuplicateConnectorError extends Error {
  readonly code = 'ERR_CONNECTOR_DUPLICATE';
}

export function createConnectorRegistry(connectors: readonly Connector[]): ConnectorRegistry {
  const byId = new Map<string, Connector>();
  for (const connector of connectors) {
    if (byId.has(connector.id)) throw new DuplicateConnectorError(`two connectors have the id '${connector.id}'`);
    byId.set(connector.id, connector);
  }
  return {
    get: (connectorId) => byId.get(connectorId),
    list: () => [...byId.values()],
    action: (connectorId, actionId) => byId.get(connectorId)?.actions.find((action) => action.id === actionId),
  };
}
