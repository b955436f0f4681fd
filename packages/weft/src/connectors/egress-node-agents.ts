import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import type { Duplex } from 'node:stream';
import type { EgressGuard } from './egress-guard.ts';

type ConnectionOptions = http.ClientRequestArgs;
type ConnectionCallback = (error: Error | null, socket: Duplex) => void;

/**
 * `node:http` and `node:https` agents whose every new connection goes through the egress guard
 * (ADR-0006), for code that makes requests with Node's own client instead of undici.
 *
 * The check sits in `createConnection`, not in a `lookup` option alone: an address literal
 * (`http://169.254.169.254/`) never reaches `lookup`. The host is resolved and checked once, and
 * the socket is then handed a `lookup` that answers with those checked addresses, so nothing
 * resolves the name a second time, while the name stays the socket's host (TLS server name and
 * certificate check) and Node still tries each checked address in turn.
 *
 * Classes, not patched instances: `http.request({ agent: false })` builds a fresh agent from the
 * global agent's constructor, which must be guarded too.
 */
export function createGuardedNodeAgents(guard: EgressGuard, options: { http?: http.AgentOptions; https?: https.AgentOptions } = {}): { http: http.Agent; https: https.Agent } {
  class GuardedHttpAgent extends http.Agent {
    override createConnection(connection: ConnectionOptions, callback?: ConnectionCallback): Duplex | null | undefined {
      return connectGuarded(guard, connection, (checked) => super.createConnection(checked), callback);
    }
  }
  class GuardedHttpsAgent extends https.Agent {
    override createConnection(connection: https.RequestOptions, callback?: ConnectionCallback): Duplex | null | undefined {
      return connectGuarded(guard, connection, (checked) => super.createConnection(checked), callback);
    }
  }
  return { http: new GuardedHttpAgent(options.http), https: new GuardedHttpsAgent(options.https) };
}

function connectGuarded(
  guard: EgressGuard,
  connection: ConnectionOptions,
  open: (connection: ConnectionOptions) => Duplex | null | undefined,
  callback: ConnectionCallback | undefined,
): undefined {
  // Node's agent always passes a callback; a caller that passes none has nowhere to hear a refusal.
  if (callback === undefined) throw new TypeError('a guarded agent opens connections asynchronously and needs a callback');
  // Node's agent reads a failure from the first argument alone.
  const fail = (error: unknown) => (callback as (error: Error) => void)(error instanceof Error ? error : new Error(String(error)));
  // A Unix socket path is not a network address; the guard has nothing to judge.
  if (connection.socketPath) {
    callback(null, open(connection) as Duplex);
    return undefined;
  }
  const host = connection.host ?? connection.hostname ?? 'localhost';
  const port = Number(connection.port) || (connection.protocol === 'https:' ? 443 : 80);
  guard.resolveAllowed(host, port).then((addresses) => {
    let socket: Duplex;
    try {
      socket = open({ ...connection, lookup: answerWith(addresses) }) as Duplex;
    } catch (error) {
      return fail(error);
    }
    callback(null, socket);
  }, fail);
  return undefined;
}

/** A `lookup` that resolves nothing: it answers with the addresses the guard already checked. */
function answerWith(addresses: readonly string[]): LookupFunction {
  const entries = addresses.map((address) => ({ address, family: isIP(address) }));
  return (hostname, options, reply) => {
    const wanted = entries.filter((entry) => !options.family || entry.family === options.family);
    const first = wanted[0];
    if (first === undefined) {
      // As dns.lookup fails for a name with no address of the asked family.
      return reply(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname }), '');
    }
    if (options.all) return reply(null, wanted);
    reply(null, first.address, first.family);
  };
}
