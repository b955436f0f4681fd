import { isIPv4, isIPv6 } from 'node:net';

export type AddressCategory =
  | 'public'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'metadata'
  | 'unspecified'
  | 'multicast'
  | 'reserved'
  | 'cgnat'
  | 'unique-local';

export interface AddressClass {
  /** The address as classified: brackets and IPv6 zone stripped, lower-case. */
  address: string;
  family: 4 | 6;
  category: AddressCategory;
  /** Everything but `public` is refused unless allow-listed. */
  blocked: boolean;
  /** Set when an IPv6 address carries an IPv4 one (mapped, NAT64, 6to4); the category is that address's. */
  embeddedIpv4?: string;
}

export interface Cidr {
  family: 4 | 6;
  base: bigint;
  prefix: number;
}

interface Range extends Cidr {
  category: AddressCategory;
}

// First match wins, so single addresses come before the blocks that contain them.
const IPV4_RANGES = toRanges([
  ['169.254.169.254/32', 'metadata'], // AWS, GCP, Azure, Oracle, DigitalOcean
  ['100.100.100.200/32', 'metadata'], // Alibaba Cloud
  ['0.0.0.0/8', 'unspecified'], // Linux routes 0.0.0.0 to the local host
  ['10.0.0.0/8', 'private'],
  ['100.64.0.0/10', 'cgnat'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local'],
  ['172.16.0.0/12', 'private'],
  ['192.0.0.0/24', 'reserved'],
  ['192.0.2.0/24', 'reserved'],
  ['192.88.99.0/24', 'reserved'],
  ['192.168.0.0/16', 'private'],
  ['198.18.0.0/15', 'reserved'],
  ['198.51.100.0/24', 'reserved'],
  ['203.0.113.0/24', 'reserved'],
  ['224.0.0.0/4', 'multicast'],
  ['240.0.0.0/4', 'reserved'], // includes the 255.255.255.255 broadcast
]);

const IPV6_RANGES = toRanges([
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['fd00:ec2::254/128', 'metadata'], // AWS IMDS over IPv6
  ['fc00::/7', 'unique-local'],
  ['fe80::/10', 'link-local'],
  ['ff00::/8', 'multicast'],
  ['2001::/23', 'reserved'], // IETF protocol assignments, Teredo among them
  ['2001:db8::/32', 'reserved'],
  ['3fff::/20', 'reserved'],
]);

/** Only global unicast is public; the rest of the IPv6 space is unassigned or special-purpose. */
const IPV6_GLOBAL_UNICAST = mustParseCidr('2000::/3');

/** Prefixes whose addresses reach an IPv4 host: judge them by that host, at the given bit offset. */
const IPV4_CARRIERS: { cidr: Cidr; shift: bigint }[] = [
  { cidr: mustParseCidr('::ffff:0:0/96'), shift: 0n }, // IPv4-mapped
  { cidr: mustParseCidr('64:ff9b::/96'), shift: 0n }, // NAT64 well-known prefix
  { cidr: mustParseCidr('2002::/16'), shift: 80n }, // 6to4
];

/**
 * Classify an IP address (not a host name). Accepts the forms a URL's `hostname` and
 * `dns.lookup` produce, including `[v6]` brackets and `%zone` suffixes. Throws a TypeError
 * for anything else: callers resolve names first.
 */
export function classifyAddress(ip: string): AddressClass {
  const address = stripAddress(ip);
  const parsed = parseAddress(address);
  if (parsed === undefined) throw new TypeError(`not an IP address: ${JSON.stringify(ip)}`);
  if (parsed.family === 4) {
    const category = categoryOf(IPV4_RANGES, 4, parsed.value) ?? 'public';
    return { address, family: 4, category, blocked: category !== 'public' };
  }
  for (const carrier of IPV4_CARRIERS) {
    if (!cidrContains(carrier.cidr, parsed)) continue;
    const embeddedIpv4 = formatIpv4((parsed.value >> carrier.shift) & 0xffff_ffffn);
    const { category, blocked } = classifyAddress(embeddedIpv4);
    return { address, family: 6, category, blocked, embeddedIpv4 };
  }
  const category = categoryOf(IPV6_RANGES, 6, parsed.value) ?? (cidrContains(IPV6_GLOBAL_UNICAST, parsed) ? 'public' : 'reserved');
  return { address, family: 6, category, blocked: category !== 'public' };
}

/** Parse an IP address into its family and numeric value; undefined when it is not one. */
export function parseAddress(text: string): { family: 4 | 6; value: bigint } | undefined {
  const address = stripAddress(text);
  if (isIPv4(address)) return { family: 4, value: parseIpv4(address) };
  if (isIPv6(address)) return { family: 6, value: parseIpv6(address) };
  return undefined;
}

/** Parse `a.b.c.d/n` or `v6/n`. Host bits below the prefix are ignored. */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf('/');
  if (slash === -1) return undefined;
  const address = parseAddress(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  if (address === undefined || !/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  if (prefix > bitsOf(address.family)) return undefined;
  return { family: address.family, base: address.value & maskOf(address.family, prefix), prefix };
}

export function cidrContains(cidr: Cidr, address: { family: 4 | 6; value: bigint }): boolean {
  return cidr.family === address.family && (address.value & maskOf(cidr.family, cidr.prefix)) === cidr.base;
}

function stripAddress(text: string): string {
  const unbracketed = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  const zone = unbracketed.indexOf('%');
  return (zone === -1 ? unbracketed : unbracketed.slice(0, zone)).toLowerCase();
}

function categoryOf(ranges: Range[], family: 4 | 6, value: bigint): AddressCategory | undefined {
  return ranges.find((range) => cidrContains(range, { family, value }))?.category;
}

function parseIpv4(text: string): bigint {
  return text.split('.').reduce((value, octet) => (value << 8n) | BigInt(Number(octet)), 0n);
}

function formatIpv4(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join('.');
}

/** Expects text `isIPv6` accepted (so at most one `::`), without zone. */
function parseIpv6(text: string): bigint {
  const toGroups = (part: string): string[] =>
    part === ''
      ? []
      : part.split(':').flatMap((group) => {
          if (!group.includes('.')) return [group];
          const value = parseIpv4(group);
          return [(value >> 16n).toString(16), (value & 0xffffn).toString(16)];
        });
  const [head = '', tail] = text.split('::');
  const headGroups = toGroups(head);
  const tailGroups = tail === undefined ? [] : toGroups(tail);
  const zeros = Array.from({ length: 8 - headGroups.length - tailGroups.length }, () => '0');
  return [...headGroups, ...zeros, ...tailGroups].reduce((value, group) => (value << 16n) | BigInt(parseInt(group, 16)), 0n);
}

function bitsOf(family: 4 | 6): number {
  return family === 4 ? 32 : 128;
}

function maskOf(family: 4 | 6, prefix: number): bigint {
  const bits = BigInt(bitsOf(family));
  return ((1n << bits) - 1n) ^ ((1n << (bits - BigInt(prefix))) - 1n);
}

function mustParseCidr(text: string): Cidr {
  const cidr = parseCidr(text);
  if (cidr === undefined) throw new Error(`bad built-in range ${text}`);
  return cidr;
}

function toRanges(entries: [string, AddressCategory][]): Range[] {
  return entries.map(([text, category]) => ({ ...mustParseCidr(text), category }));
}
