/**
 * The client-address allow list: parses IPs and CIDRs (IPv4 and IPv6) once at start-up and matches a request's
 * address against them. Every address is held as a 128-bit IPv6 number, IPv4 as its IPv4-mapped form
 * (`::ffff:a.b.c.d`, prefix + 96), so `::ffff:127.0.0.1` — how a dual-stack socket reports an IPv4 client —
 * matches `127.0.0.0/8` with no special case.
 */
import { isIPv4, isIPv6 } from 'node:net';

/** One allowed network in the 128-bit space. */
export interface AllowedNetwork {
  /** The entry as configured, for logs. */
  readonly source: string;
  /** The network address, host bits cleared. */
  readonly network: bigint;
  /** The prefix mask. */
  readonly mask: bigint;
}

/** A parsed allow list; see {@link parseAllowList}. */
export type AllowList = readonly AllowedNetwork[];

/** Who may call when no list is configured: loopback only. */
export const DEFAULT_ALLOWED_IPS: readonly string[] = ['127.0.0.0/8', '::1'];

const ALL_ONES = (1n << 128n) - 1n;
/** `::ffff:0:0`, the IPv4-mapped prefix. */
const V4_MAPPED = 0xffffn << 32n;

/** Dotted-quad to a 32-bit number; `text` must already satisfy `isIPv4`. */
function ipv4Number(text: string): bigint {
  return text.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
}

/** IPv6 text to a 128-bit number; `text` must already satisfy `isIPv6` and carry no zone. */
function ipv6Number(text: string): bigint {
  let s = text;
  // An embedded IPv4 tail (`::ffff:1.2.3.4`) becomes two hex groups so that one loop reads every form.
  if (s.includes('.')) {
    const at = s.lastIndexOf(':');
    const v4 = ipv4Number(s.slice(at + 1));
    s = `${s.slice(0, at + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head = '', tail] = s.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros = tail === undefined ? 0 : 8 - headGroups.length - tailGroups.length;
  const groups = [...headGroups, ...Array<string>(zeros).fill('0'), ...tailGroups];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(Number.parseInt(g, 16)), 0n);
}

/**
 * Parses an IPv4 or IPv6 address (an IPv6 zone such as `%eth0` is ignored) to its 128-bit form, IPv4 as
 * IPv4-mapped; undefined when `text` is not an address.
 */
export function parseIp(text: string): { value: bigint; v4: boolean } | undefined {
  if (isIPv4(text)) return { value: V4_MAPPED | ipv4Number(text), v4: true };
  const bare = text.split('%')[0] ?? '';
  if (isIPv6(bare)) return { value: ipv6Number(bare), v4: false };
  return undefined;
}

function invalidEntry(entry: string, setting: string): Error {
  return new Error(`invalid ${setting} entry '${entry}'; expected an IP or CIDR`);
}

/** Parses one `ip` or `ip/prefix` entry; throws the configuration error on anything else. */
function parseEntry(entry: string, setting: string): AllowedNetwork {
  const invalid = () => invalidEntry(entry, setting);
  const text = entry.trim();
  const slash = text.indexOf('/');
  const addressText = slash === -1 ? text : text.slice(0, slash);
  // A zone names a local interface, which has no meaning in a list of remote clients.
  if (addressText.includes('%')) throw invalid();
  const address = parseIp(addressText);
  if (address === undefined) throw invalid();
  const width = address.v4 ? 32 : 128;
  let prefix = width;
  if (slash !== -1) {
    const prefixText = text.slice(slash + 1);
    if (!/^(0|[1-9][0-9]{0,2})$/.test(prefixText)) throw invalid();
    prefix = Number(prefixText);
    if (prefix > width) throw invalid();
  }
  const bits = prefix + (128 - width);
  const mask = ALL_ONES ^ ((1n << BigInt(128 - bits)) - 1n);
  // Host bits in the entry (`10.1.2.3/8`) are cleared rather than refused: the intent is unambiguous.
  return { source: text, network: address.value & mask, mask };
}

/**
 * Parses a list of IPs and CIDRs, e.g. `['10.0.0.0/8', '192.168.1.7', '::1', 'fd00::/8']`. An empty list means
 * {@link DEFAULT_ALLOWED_IPS} (loopback), never "nobody" nor "everybody". Throws
 * `invalid ALLOWED_IPS entry 'x'; expected an IP or CIDR` on the first bad entry.
 */
export function parseAllowList(list: readonly string[]): AllowList {
  return parseNetworks(list.length === 0 ? DEFAULT_ALLOWED_IPS : list, 'ALLOWED_IPS');
}

/**
 * Parses a list of IPs and CIDRs as is (an empty list matches nothing); a bad entry throws
 * `invalid <setting> entry 'x'; expected an IP or CIDR`.
 */
export function parseNetworks(list: readonly string[], setting: string): AllowList {
  return list.map((entry) => parseEntry(entry, setting));
}

/** True when `ip` (as a socket or Koa reports it) lies in one of the networks; false for anything unparsable. */
export function isAllowed(allow: AllowList, ip: string): boolean {
  const address = parseIp(ip);
  if (address === undefined) return false;
  return allow.some((n) => (address.value & n.mask) === n.network);
}
