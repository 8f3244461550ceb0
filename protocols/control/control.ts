/**
 * Control messages between a party and the coordinator, carried over libp2p request/response protocols (and,
 * for records and decisions, a gossipsub topic). Each message starts with a type byte ({@link MessageType})
 * and a version byte. Signed messages are envelopes (envelope.ts) whose body is itself versioned and whose
 * signature is domain-separated (see peer-key.ts).
 *
 * - Register (party → coordinator): `{role, version, addrs}`; unsigned, the noise-authenticated stream
 *   already names the sender.
 * - Announce (coordinator → party): a signed session record, see record.ts.
 * - Result (party → coordinator): see result.ts.
 * - Decision (coordinator → party): commit or abort a pending key, see decision.ts.
 * - Join (party → coordinator): a one-time join token, redeemed for admission of the sending peer id, or a
 *   pool secret behind {@link POOL_SECRET_PREFIX} (reusable, bound to a role).
 * - Status (party → coordinator): the peers the party has banned and whether it is draining; unsigned like
 *   register. The coordinator keeps no session with a banned pair and starts none on a draining party.
 * - Key fate (party → coordinator, and its answer): what became of the keygens of the party's stale pending
 *   keys, answered with coordinator-signed decisions, see key-fate.ts.
 */
import { decodeAll, type Reader, Writer } from '../common/codec.js';
import { DecodeError } from '../common/errors.js';
import { ControlError } from './errors.js';
import { MAX_PEER_ID_BYTES } from './record.js';
import { type PartyRole, ROLE_CODES } from './roles.js';
import {
  addrsProblem,
  isToken,
  MessageType,
  readAddrs,
  readCode,
  readHeader,
  WIRE_VERSION,
  writeAddrs,
} from './wire.js';

export * from './decision.js';
export * from './delegate.js';
export * from './envelope.js';
export * from './key-fate.js';
export * from './result.js';

export { type PartyRole, ROLE_CODES } from './roles.js';
/** Longest software version string, in bytes (printable ASCII). */
export const MAX_VERSION_BYTES = 64;

/** A party's registration with the coordinator. */
export interface Register {
  /** The party's role. */
  readonly role: PartyRole;
  /** The party's software version, e.g. `0.1.0`. */
  readonly version: string;
  /** Multiaddrs the party listens on (≤ 8, each ≤ 256 UTF-8 bytes). */
  readonly addrs: readonly string[];
}

/** Serialises a registration; throws {@link ControlError} `INVALID_ARGUMENT` when a field is out of bounds. */
export function encodeRegister(m: Register): Uint8Array {
  if (!Object.hasOwn(ROLE_CODES, m.role)) throw new ControlError('INVALID_ARGUMENT', `unknown role ${m.role}`);
  if (typeof m.version !== 'string' || !isToken(m.version, MAX_VERSION_BYTES)) {
    throw new ControlError('INVALID_ARGUMENT', `version must be 1..${MAX_VERSION_BYTES} printable ASCII characters`);
  }
  const bad = addrsProblem(m.addrs);
  if (bad) throw new ControlError('INVALID_ARGUMENT', `register: ${bad}`);
  const w = new Writer().u8(MessageType.REGISTER).u8(WIRE_VERSION).u8(ROLE_CODES[m.role]);
  w.varBytes(Uint8Array.from(m.version, (c) => c.charCodeAt(0)));
  return writeAddrs(w, m.addrs).finish();
}

/** Parses a registration; throws {@link DecodeError} for anything malformed. */
export function decodeRegister(bytes: Uint8Array): Register {
  return decodeAll(bytes, (r: Reader) => {
    readHeader(r, MessageType.REGISTER, 'register');
    const role = readCode(r, ROLE_CODES, 'register', 'role');
    const version = String.fromCharCode(...r.varBytes(MAX_VERSION_BYTES));
    if (!isToken(version, MAX_VERSION_BYTES)) throw new DecodeError('register: version is not printable ASCII');
    return { role, version, addrs: readAddrs(r) };
  });
}

/** Shortest and longest join token, in printable ASCII characters. */
export const MIN_JOIN_TOKEN_CHARS = 16;
/** Longest join token. */
export const MAX_JOIN_TOKEN_CHARS = 128;

/**
 * Prefix of a join request that presents a pool secret (a reusable, role-bound admission secret the operator
 * configured on the coordinator) rather than a one-time token; lets the coordinator answer a wrong one with
 * its own code.
 */
export const POOL_SECRET_PREFIX = 'mpcpool_';
/** Shortest pool secret (`openssl rand -hex 32` gives 64 characters). */
export const MIN_POOL_SECRET_CHARS = 16;
/** Longest pool secret: with its prefix it must fit in a join request. */
export const MAX_POOL_SECRET_CHARS = MAX_JOIN_TOKEN_CHARS - POOL_SECRET_PREFIX.length;

/** Serialises a join request `0x06 ‖ 0x01 ‖ token(u16 len)`; throws {@link ControlError} for a malformed token. */
export function encodeJoin(token: string): Uint8Array {
  if (typeof token !== 'string' || token.length < MIN_JOIN_TOKEN_CHARS || !isToken(token, MAX_JOIN_TOKEN_CHARS)) {
    throw new ControlError(
      'INVALID_ARGUMENT',
      `join token must be ${MIN_JOIN_TOKEN_CHARS}..${MAX_JOIN_TOKEN_CHARS} printable ASCII characters`,
    );
  }
  return new Writer()
    .u8(MessageType.JOIN)
    .u8(WIRE_VERSION)
    .varBytes(Uint8Array.from(token, (c) => c.charCodeAt(0)))
    .finish();
}

/** Parses a join request; throws {@link DecodeError} for anything malformed. */
export function decodeJoin(bytes: Uint8Array): string {
  return decodeAll(bytes, (r: Reader) => {
    readHeader(r, MessageType.JOIN, 'join');
    const token = String.fromCharCode(...r.varBytes(MAX_JOIN_TOKEN_CHARS));
    if (token.length < MIN_JOIN_TOKEN_CHARS || !isToken(token, MAX_JOIN_TOKEN_CHARS)) {
      throw new DecodeError('join: malformed token');
    }
    return token;
  });
}

/** Most bans a status report carries (a party bans at most its peers; more would be a bug, not a report). */
export const MAX_STATUS_BANS = 255;

/** A party's status report: who it refuses to run sessions with, and whether it takes new sessions. */
export interface PartyStatusReport {
  /** Binary peer ids (multihash bytes) of the peers this party has banned, distinct. */
  readonly bans: readonly Uint8Array[];
  /** True while the party is stopping: it finishes its sessions and accepts no new one. */
  readonly draining: boolean;
}

const STATUS_DRAINING = 1;

/** The first rule `m` breaks, or undefined when it is a valid status report. */
function statusProblem(m: PartyStatusReport): string | undefined {
  if (typeof m.draining !== 'boolean') return 'draining must be a boolean';
  if (!Array.isArray(m.bans) || m.bans.length > MAX_STATUS_BANS) return `at most ${MAX_STATUS_BANS} bans`;
  const seen = new Set<string>();
  for (const b of m.bans) {
    if (!(b instanceof Uint8Array) || b.length < 1 || b.length > MAX_PEER_ID_BYTES) {
      return `a banned peer id must be 1..${MAX_PEER_ID_BYTES} bytes`;
    }
    const key = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
    if (seen.has(key)) return 'a peer is banned twice';
    seen.add(key);
  }
  return undefined;
}

/**
 * Serialises a status report `0x09 ‖ 0x01 ‖ flags(u8: 1 draining) ‖ count(u8) ‖ peerId(u16 len)…`; throws
 * {@link ControlError} `INVALID_ARGUMENT` when a field is out of bounds.
 */
export function encodeStatus(m: PartyStatusReport): Uint8Array {
  const bad = statusProblem(m);
  if (bad) throw new ControlError('INVALID_ARGUMENT', `status: ${bad}`);
  const w = new Writer()
    .u8(MessageType.STATUS)
    .u8(WIRE_VERSION)
    .u8(m.draining ? STATUS_DRAINING : 0)
    .u8(m.bans.length);
  for (const b of m.bans) w.varBytes(b);
  return w.finish();
}

/** Parses a status report; throws {@link DecodeError} for anything malformed (unknown flags, duplicates). */
export function decodeStatus(bytes: Uint8Array): PartyStatusReport {
  return decodeAll(bytes, (r: Reader) => {
    readHeader(r, MessageType.STATUS, 'status');
    const flags = r.u8();
    if ((flags & ~STATUS_DRAINING) !== 0) throw new DecodeError(`status: unknown flags 0x${flags.toString(16)}`);
    const count = r.u8();
    const bans: Uint8Array[] = [];
    for (let k = 0; k < count; k++) bans.push(r.varBytes(MAX_PEER_ID_BYTES));
    const m = { bans, draining: (flags & STATUS_DRAINING) !== 0 };
    const bad = statusProblem(m);
    if (bad) throw new DecodeError(`status: ${bad}`);
    return m;
  });
}
