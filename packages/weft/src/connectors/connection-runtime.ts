import type { Connector } from '@weft/sdk';
import type { Connection, ConnectionStore } from '../store/store.ts';
import type { ConnectionAuth } from './connector-http.ts';
import type { ConnectorRegistry } from './registry.ts';
import type { ConnectionLimiter } from './rate-limit/limiter.ts';

/** A connection ready to call: its connector, base URL and credentials. */
export interface ResolvedConnection {
  connection: Connection;
  connector: Connector;
  baseUrl: string;
  auth: ConnectionAuth;
  limiter: ConnectionLimiter;
}

export class ConnectionError extends Error {
  constructor(
    readonly code: 'ERR_CONNECTION_UNKNOWN' | 'ERR_CONNECTION_UNKNOWN_CONNECTOR',
    message: string,
  ) {
    super(message);
  }
}

export interface ConnectionRuntime {
  registry: ConnectorRegistry;
  resolve(connectionId: string): Promise<ResolvedConnection>;
}

/**
 * Resolves connections for the engine. A connection's auth and limiter are kept while the
 * connection is unchanged, because they hold what must outlive one call: an OAuth token and
 * the one refresh in flight, the circuit breaker's count of failures.
 */
export function createConnectionRuntime(options: {
  registry: ConnectorRegistry;
  connections: ConnectionStore;
  createAuth(connection: Connection, connector: Connector): ConnectionAuth;
  createLimiter(connection: Connection, connector: Connector): ConnectionLimiter;
}): ConnectionRuntime {
  const live = new Map<string, { updatedAt: number; auth: ConnectionAuth; limiter: ConnectionLimiter }>();
  return {
    registry: options.registry,
    async resolve(connectionId) {
      const connection = await options.connections.get(connectionId);
      if (!connection) {
        throw new ConnectionError('ERR_CONNECTION_UNKNOWN', `there is no connection '${connectionId}'; add it with \`weft connections add ${connectionId} --connector <id>\``);
      }
      const connector = options.registry.get(connection.connectorId);
      if (!connector) {
        throw new ConnectionError('ERR_CONNECTION_UNKNOWN_CONNECTOR', `connection '${connectionId}' uses connector '${connection.connectorId}', which this Weft does not have`);
      }
      let cached = live.get(connectionId);
      if (!cached || cached.updatedAt !== connection.updatedAt) {
        cached = { updatedAt: connection.updatedAt, auth: options.createAuth(connection, connector), limiter: options.createLimiter(connection, connector) };
        live.set(connectionId, cached);
      }
      return { connection, connector, baseUrl: baseUrlOf(connector, connection), auth: cached.auth, limiter: cached.limiter };
    },
  };
}

/**
 * A connection may point a connector elsewhere (a sandbox, a region) with `config.baseUrl`. A
 * connector whose base URL is a function reads that setting itself, because the path may go on
 * after the host (QuickBooks' /v3/company/<realm>, Twilio's /Accounts/<sid>).
 */
export function baseUrlOf(connector: Connector, connection: Connection): string {
  if (typeof connector.baseUrl === 'function') return connector.baseUrl(connection.config);
  const override = connection.config.baseUrl;
  return typeof override === 'string' && override !== '' ? override : connector.baseUrl;
}
