import { lookup as dnsLookup } from 'node:dns/promises';
import type { LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import { buildConnector, type Agent } from 'undici';
import { PreconnectingAgent } from './preconnecting-agent.ts';
import { cidrContains, classifyAddress, parseAddress, parseCidr, type AddressCategory, type AddressClass, type Cidr } from './ip-ranges.ts';

/** The setting an operator changes to let a refused address through; named in every refusal. */
export const EGRESS_ALLOW_SETTING = 'WEFT_EGRESS_ALLOW';

const CATEGORY_WORDS: Record<AddressCategory, string> = {
  public: 'a public address',
  loopback: 'a loopback address',
  private: 'a private address',
  'link-local': 'a link-local address',
  metadata: 'a cloud metadata address',
  unspecified: 'an unspecified address',
  multicast: 'a multicast address',
  reserved: 'a reserved address',
  cgnat: 'a carrier-grade NAT address',
  'unique-local': 'a unique-local address',
};

/**
 * An outbound connection to an internal address was refused (SSRF guard, ADR-0006). Retrying
 * cannot help: the configuration must change. Carries only host, address and port, never the
 * URL, whose path and query may hold credentials.
 */
export class EgressDeniedError extends Error {
  override readonly name = 'EgressDeniedError';
  readonly code = 'ERR_EGRESS_DENIED';
  readonly host: string;
  readonly address: string;
  readonly port: number;
  readonly category: AddressCategory;

  constructor(details: { host: string; address: string; port: number; category: AddressCategory }) {
    const kind = CATEGORY_WORDS[details.category];
    const target = details.host === details.address ? `${details.address} (${kind})` : `${details.host} (${details.address}, ${kind})`;
    super(`refused to connect to ${target}; allow it with ${EGRESS_ALLOW_SETTING}=${details.address}`);
    this.host = details.host;
    this.address = details.address;
    this.port = details.port;
    this.category = details.category;
  }
}

/** An allow-list entry that is neither a CIDR, an address, nor a host name, each with an optional port. */
export class EgressAllowError extends Error {
  override readonly name = 'EgressAllowError';
  readonly code = 'ERR_EGRESS_ALLOW_INVALID';
}

/** Resolves a host name to every address it has (`dns.lookup` with `all: true`). */
export type ResolveHost = (hostname: string) => Promise<readonly LookupAddress[]>;

export interface EgressGuardOptions {
  /**
   * Internal destinations that may be reached: `10.0.0.0/8`, `127.0.0.1`, `127.0.0.1:4001`,
   * `[::1]:4001`, `localhost`, `sandbox.internal:8080`. A host name entry trusts whatever that
   * name resolves to.
   */
  allow: readonly string[];
  /** Tests pass a fake; by default the system resolver. */
  lookup?: ResolveHost;
}

/**
 * undici's Agent options. Socket options (connect timeout, TLS, h2) go in `connect`: undici
 * ignores their Agent-level spellings once the connector is a function, as the guard's is.
 */
export type EgressAgentOptions = Omit<
  Agent.Options,
  'connect' | 'connectTimeout' | 'maxCachedSessions' | 'socketPath' | 'allowH2' | 'autoSelectFamily' | 'autoSelectFamilyAttemptTimeout'
> & { connect?: buildConnector.BuildOptions };

export interface EgressGuard {
  /** Throws `EgressDeniedError` unless `address` (what `host` resolved to) may be reached on `port`. */
  check(address: string, port: number, host: string): void;
  /**
   * Resolve `host` once (an address literal is not resolved) and check every address it has: the
   * addresses to connect to, or `EgressDeniedError`. The caller connects to these, never to the
   * name again, so a second lookup cannot answer differently (DNS rebinding).
   */
  resolveAllowed(host: string, port: number): Promise<string[]>;
  /**
   * Wrap an undici connector: resolve the host once, check every address it resolves to, then
   * connect to a checked address, so nothing re-resolves the name between check and connect.
   */
  connector(base?: buildConnector.connector): buildConnector.connector;
  /** An undici Agent whose every connection, redirects included, goes through `connector`. */
  dispatcher(options?: EgressAgentOptions): PreconnectingAgent;
}

type AllowRule = { kind: 'range'; cidr: Cidr; port?: number } | { kind: 'host'; name: string; port?: number };

// Failures that say "this address does not answer", after which the next address of the name may.
const TRY_NEXT_ADDRESS = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'UND_ERR_CONNECT_TIMEOUT']);

export function createEgressGuard(options: EgressGuardOptions): EgressGuard {
  const rules = options.allow.map(parseAllowEntry);
  const lookup: ResolveHost = options.lookup ?? ((hostname) => dnsLookup(hostname, { all: true }));

  const isAllowed = (verdict: AddressClass, port: number, host: string): boolean =>
    rules.some((rule) => {
      if (rule.port !== undefined && rule.port !== port) return false;
      if (rule.kind === 'host') return rule.name === normalizeHost(host);
      return [verdict.address, verdict.embeddedIpv4].some((address) => {
        const parsed = address === undefined ? undefined : parseAddress(address);
        return parsed !== undefined && cidrContains(rule.cidr, parsed);
      });
    });

  const check = (address: string, port: number, host: string): void => {
    const verdict = classifyAddress(address);
    if (!verdict.blocked || isAllowed(verdict, port, host)) return;
    throw new EgressDeniedError({ host: normalizeHost(host), address: verdict.address, port, category: verdict.category });
  };

  const resolve = async (hostname: string): Promise<string[]> => {
    if (isIP(hostname) !== 0) return [hostname];
    const addresses = (await lookup(hostname)).map((entry) => entry.address);
    if (addresses.length === 0) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname });
    return addresses;
  };

  const resolveAllowed = async (host: string, port: number): Promise<string[]> => {
    const hostname = normalizeHost(host);
    const addresses = await resolve(hostname);
    for (const address of addresses) check(address, port, hostname);
    return addresses;
  };

  const connector = (base: buildConnector.connector = buildConnector({})): buildConnector.connector => (connectOptions, callback) => {
    const hostname = normalizeHost(connectOptions.hostname);
    const port = Number(connectOptions.port) || (connectOptions.protocol === 'https:' ? 443 : 80);
    // The socket goes to an address, so TLS must still be told the name: for SNI, and to verify the certificate against.
    const servername = connectOptions.servername || (isIP(hostname) === 0 ? hostname : undefined);
    const fail = (error: unknown) => callback(error instanceof Error ? error : new Error(String(error)), null);
    const attempt = (addresses: string[], index: number): void => {
      try {
        base({ ...connectOptions, hostname: addresses[index]!, ...(servername ? { servername } : {}) }, (error, socket) => {
          if (error === null) return callback(null, socket);
          if (index + 1 < addresses.length && TRY_NEXT_ADDRESS.has((error as { code?: string }).code ?? '')) return attempt(addresses, index + 1);
          callback(error, null);
        });
      } catch (error) {
        fail(error);
      }
    };
    resolveAllowed(hostname, port).then((addresses) => attempt(addresses, 0), fail);
  };

  return {
    check,
    resolveAllowed,
    connector,
    dispatcher({ connect, ...agentOptions } = {}) {
      return new PreconnectingAgent({ ...agentOptions, connect: connector(buildConnector(connect ?? {})) });
    },
  };
}

function parseAllowEntry(entry: string): AllowRule {
  const text = entry.trim().toLowerCase();
  const invalid = (why: string) =>
    new EgressAllowError(`${EGRESS_ALLOW_SETTING} entry ${JSON.stringify(entry)} ${why}; expected a CIDR (10.0.0.0/8), an address (127.0.0.1, [::1]), or a host name, optionally with :port`);
  if (text.includes('/')) {
    const cidr = parseCidr(text);
    if (cidr === undefined) throw invalid('is not a valid CIDR block');
    return { kind: 'range', cidr };
  }
  let host = text;
  let port: number | undefined;
  const portMatch = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(text);
  if (portMatch) {
    host = portMatch[1]!;
    port = Number(portMatch[2]);
    if (port < 1 || port > 65535) throw invalid('has a port outside 1-65535');
  }
  const address = parseAddress(host);
  if (address !== undefined) {
    const cidr: Cidr = { family: address.family, base: address.value, prefix: address.family === 4 ? 32 : 128 };
    return port === undefined ? { kind: 'range', cidr } : { kind: 'range', cidr, port };
  }
  const name = normalizeHost(host);
  if (!/^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*$/.test(name)) throw invalid('is not a valid host name');
  return port === undefined ? { kind: 'host', name } : { kind: 'host', name, port };
}

function normalizeHost(host: string): string {
  const lower = host.toLowerCase();
  const unbracketed = lower.startsWith('[') && lower.endsWith(']') ? lower.slice(1, -1) : lower;
  return unbracketed.endsWith('.') ? unbracketed.slice(0, -1) : unbracketed;
}
