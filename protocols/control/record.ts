/**
 * The session record: what the coordinator decides for one keygen or signing (who takes part, with which
 * indices and addresses, until when), signed with its libp2p key. A party acts only on a record that
 * {@link acceptRecord} accepts.
 *
 * Party indices are key-share indices, resolved once, by the coordinator: a keygen numbers its N parties 1..N
 * and those numbers become the parties' key-share indices; a signing names each signer by the key-share index
 * it holds (e.g. 1 and 3 of a 2-of-3 key). So an index means the same party in the record, in the session run,
 * in the key share and in a result's culprits, and nobody maps indices back and forth.
 *
 * Each party may carry its role. A delegate's share is not tied to one node: it comes back sealed with the
 * caller's request, and any delegate node of the pool may open it. So a signing record may name, at the key
 * index of the delegate share, a delegate node other than the one that made it; the role `delegate` in the
 * record is what lets the other signers accept that node there (see src/party/jobs.ts).
 *
 * A reshare (and a refresh, its special case) moves a key to new shares under a new key id: its record carries
 * {@link ReshareTerms} (the key id of the shares it replaces, the old threshold, the public key), and each party
 * its index in the old key (a dealer) and in the new one (a receiver). There a party's `index` is only its
 * position in the session, 1..M: a party may be in one key and not the other.
 *
 * A presigning (kind `presign`) runs the message-independent rounds of a signing ahead of time: its parties are
 * exactly `threshold` signers named by key-share index, as in a signing, with no message hash. A later signing
 * that names the presign session's id in `presignature` runs only the online round, with the same signers.
 *
 * Wire format (version 4; version 3, without the signing and reshare flags, and version 2, without roles, still
 * decode; version 1 numbered a signing's parties 1..t and is refused): `0x10 ‖ 0x04 ‖ sessionId(32) ‖ kind(u8) ‖
 * protocol(u16 len, ≤ 32) ‖ keyId(u16 len, 1..64) ‖ threshold(u8) ‖ expiresAt(u64) ‖ N(u8) ‖ N × {index(u8) ‖
 * role(u8, 0 = not stated) ‖ peerId(u16 len, ≤ 128) ‖ addrs(u8 count ≤ 8, each u16 len ≤ 256 UTF-8)} ‖ trailer`,
 * where the trailer is, by kind:
 * - sign: `messageHash(32) ‖ flags(u8: 1 presignature, 2 derivationPath; any other bit refused) ‖
 *   [presignature(32)] ‖ [pathLength(u8, 1..8) ‖ pathLength × u32be (each < 2^31)]`;
 * - reshare: `fromKeyId(u16 len, 1..64) ‖ oldThreshold(u8) ‖ publicKey(33) ‖ flags(u8: 1 chainCode) ‖
 *   [chainCode(32)] ‖ N × {oldIndex(u8, 0 = none) ‖ newIndex(u8, 0 = none)}`;
 * - keygen, presign: nothing.
 *
 * Version 3 wrote a signing's trailer as `messageHash(32)` alone and a reshare's without the flags byte (and has
 * no kind presign).
 */
import { equalBytes, toHex } from '../common/bytes.js';
import { decodeAll, type Reader, Writer } from '../common/codec.js';
import { DecodeError } from '../common/errors.js';
import { defineSignedMessage, type Signed, type SignedBytes } from './envelope.js';
import { ControlError } from './errors.js';
import type { Ed25519 } from './peer-key.js';
import { type PartyRole, ROLE_CODES } from './roles.js';
import { addrsProblem, isToken, MessageType, readAddrs, readCode, readU64, writeAddrs, writeU64 } from './wire.js';

/**
 * Version byte of the record body (4: signing and reshare trailers carry flags, kind presign; 3: parties carry
 * their role; 2: signing records carry key-share indices).
 */
export const RECORD_VERSION = 4;
/** The previous version, without trailer flags or kind presign, which still decodes. */
export const RECORD_VERSION_WITHOUT_FLAGS = 3;
/** The previous version, without roles, which still decodes (its parties have no role). */
export const RECORD_VERSION_WITHOUT_ROLES = 2;
/** Length of a session id. */
export const SESSION_ID_BYTES = 32;
/** Length of a message hash to sign. */
export const MESSAGE_HASH_BYTES = 32;
/** Longest protocol name, in bytes (printable ASCII). */
export const MAX_PROTOCOL_BYTES = 32;
/** Longest key id, in bytes. */
export const MAX_KEY_ID_BYTES = 64;
/** Longest peer id, in bytes. */
export const MAX_PEER_ID_BYTES = 128;
/** Fewest parties (and smallest threshold) of a session. */
export const MIN_PARTIES = 2;
/** Most parties (and largest threshold) of a session. */
export const MAX_PARTIES = 16;

/** What a session does. New kinds get new codes in {@link KIND_CODES}. */
export type SessionKind = 'keygen' | 'sign' | 'reshare' | 'presign';

/** Wire code of each session kind (u8); codes are never reused. */
export const KIND_CODES: Readonly<Record<SessionKind, number>> = { keygen: 1, sign: 2, reshare: 3, presign: 4 };

/** Length of a presignature's handle: the session id of the presign session that made it. */
export const PRESIGNATURE_ID_BYTES = 32;
/** Length of a BIP32 chain code. */
export const CHAIN_CODE_BYTES = 32;
/** Most steps of a derivation path. */
export const MAX_DERIVATION_DEPTH = 8;
/** The first hardened BIP32 index (2^31); a record's derivation steps are below it. */
export const HARDENED_INDEX = 0x8000_0000;

const SIGN_FLAG_PRESIGNATURE = 1;
const SIGN_FLAG_PATH = 2;
const RESHARE_FLAG_CHAIN_CODE = 1;

/** Length of a compressed public key. */
export const PUBLIC_KEY_BYTES = 33;

/** One party of a session. */
export interface SessionParty {
  /** Binary libp2p peer id. */
  readonly peerId: Uint8Array;
  /** The party's key-share index: 1..N in a keygen (and so in the key); the index it holds in a signing. */
  readonly index: number;
  /** Multiaddrs to dial the party at (may be empty when peers find each other otherwise). */
  readonly addrs: readonly string[];
  /** The party's role in this session, when the coordinator states it. */
  readonly role?: PartyRole;
  /** Reshare only: the party's index in the key being replaced, when it holds a share of it (it deals). */
  readonly oldIndex?: number;
  /** Reshare only: the party's index in the new key, when it receives a share of it. */
  readonly newIndex?: number;
}

/** What a reshare record adds: which key it replaces, and what a newcomer must check the new key against. */
export interface ReshareTerms {
  /** The key id of the shares being replaced (the dealers hold them); the new shares take `keyId`. */
  readonly fromKeyId: Uint8Array;
  /** The threshold of the key being replaced: at least that many dealers take part. */
  readonly oldThreshold: number;
  /** The key's public key, 33-byte compressed; the new shares must add up to it. */
  readonly publicKey: Uint8Array;
  /** The key's BIP32 chain code (32 bytes), which the new shares keep, when the key has one. */
  readonly chainCode?: Uint8Array;
}

/** The coordinator's decision for one session. */
export interface SessionRecord {
  /** 32 random bytes chosen by the coordinator; never reused for a key. */
  readonly sessionId: Uint8Array;
  /** Keygen, signing, reshare or presigning. */
  readonly kind: SessionKind;
  /** Threshold protocol to run, e.g. `dkls23`. */
  readonly protocol: string;
  /** The key being created, used, or (a reshare) made from `reshare.fromKeyId`. */
  readonly keyId: Uint8Array;
  /** Parties needed to sign (2..N); for a reshare, those of the new key (2..N′). */
  readonly threshold: number;
  /**
   * The parties, with distinct peer ids and distinct indices: exactly 1..N for a keygen, key-share indices
   * within 1..{@link MAX_PARTIES} for a signing, session positions exactly 1..M for a reshare.
   */
  readonly parties: readonly SessionParty[];
  /** The 32-byte hash to sign; present iff `kind` is `sign`. */
  readonly messageHash?: Uint8Array;
  /**
   * Signing only: the session id (32 bytes) of the presign session whose presignature this signing uses; then
   * only the online round runs, with exactly the presign session's signers.
   */
  readonly presignature?: Uint8Array;
  /** Signing only: non-hardened BIP32 steps (1..8 integers in 0..2^31−1) from the key to the child that signs. */
  readonly derivationPath?: readonly number[];
  /** Present iff `kind` is `reshare`. */
  readonly reshare?: ReshareTerms;
  /** Unix time in milliseconds after which no party may act on the record. */
  readonly expiresAt: number;
}

/** A record with its exact signed bytes and the coordinator's signature over them (domain `record`). */
export type SignedRecord = Signed<'record', SessionRecord>;

/** What {@link acceptRecord} needs to know about this party. */
export interface AcceptOptions {
  /** The configured coordinator's binary peer id. */
  readonly coordinatorPeerId: Uint8Array;
  /** This party's binary peer id. */
  readonly selfPeerId: Uint8Array;
  /** Current unix time in milliseconds. */
  readonly now: number;
  /** Ed25519 implementation for the signature check. @default noble's */
  readonly ed25519?: Ed25519;
}

/** A record this party may act on, and its own index in it. */
export interface AcceptedRecord {
  /** The verified record. */
  readonly record: SessionRecord;
  /** This party's index in the session (its key-share index). */
  readonly selfIndex: number;
}

const isBytes = (b: unknown, min: number, max: number): b is Uint8Array =>
  b instanceof Uint8Array && b.length >= min && b.length <= max;

/** The first rule `r` breaks, or undefined when it is a valid record. */
export function recordProblem(r: SessionRecord): string | undefined {
  if (!isBytes(r.sessionId, SESSION_ID_BYTES, SESSION_ID_BYTES)) return 'sessionId must be 32 bytes';
  if (!Object.hasOwn(KIND_CODES, r.kind)) return `unknown kind ${String(r.kind)}`;
  if (typeof r.protocol !== 'string' || !isToken(r.protocol, MAX_PROTOCOL_BYTES)) {
    return `protocol must be 1..${MAX_PROTOCOL_BYTES} printable ASCII characters`;
  }
  if (!isBytes(r.keyId, 1, MAX_KEY_ID_BYTES)) return `keyId must be 1..${MAX_KEY_ID_BYTES} bytes`;
  if (!Array.isArray(r.parties) || r.parties.length < MIN_PARTIES || r.parties.length > MAX_PARTIES) {
    return `${MIN_PARTIES}..${MAX_PARTIES} parties required`;
  }
  const n = r.parties.length;
  // a reshare's threshold is the new key's, bounded by its receivers (reshareProblem)
  const holders = r.kind === 'reshare' ? r.parties.filter((p) => p.newIndex !== undefined).length : n;
  if (!Number.isInteger(r.threshold) || r.threshold < MIN_PARTIES || r.threshold > holders) {
    return `threshold must be ${MIN_PARTIES}..${holders}`;
  }
  const signers = r.kind === 'sign' || r.kind === 'presign';
  if (signers && n !== r.threshold)
    return `a ${r.kind === 'sign' ? 'signing' : 'presigning'} names exactly \`threshold\` signers`;
  const indices = new Set<number>();
  const peers = new Set<string>();
  for (const p of r.parties) {
    if (!isBytes(p.peerId, 1, MAX_PEER_ID_BYTES)) return `peerId must be 1..${MAX_PEER_ID_BYTES} bytes`;
    // a keygen gives out the key-share indices 1..N and a reshare numbers its parties 1..M; a signing names the
    // key-share indices its signers hold (as does a presigning)
    const top = signers ? MAX_PARTIES : n;
    if (!Number.isInteger(p.index) || p.index < 1 || p.index > top) return `party index ${p.index} out of 1..${top}`;
    indices.add(p.index);
    peers.add(toHex(p.peerId));
    const bad = addrsProblem(p.addrs);
    if (bad) return bad;
    if (p.role !== undefined && !Object.hasOwn(ROLE_CODES, p.role)) return `unknown role ${String(p.role)}`;
    if (r.kind !== 'reshare' && (p.oldIndex !== undefined || p.newIndex !== undefined)) {
      return 'oldIndex and newIndex belong to reshare records only';
    }
  }
  if (indices.size !== n) return signers ? 'a party index appears twice' : 'party indices must be exactly 1..N';
  if (peers.size !== n) return 'a peer id appears twice';
  if (r.kind === 'reshare' ? r.reshare === undefined : r.reshare !== undefined) {
    return 'reshare terms must be present iff kind is reshare';
  }
  if (r.reshare) {
    const bad = reshareProblem(r, r.reshare);
    if (bad) return bad;
  }
  if (r.kind === 'sign' ? !isBytes(r.messageHash, 32, 32) : r.messageHash !== undefined) {
    return 'messageHash (32 bytes) must be present iff kind is sign';
  }
  if (r.presignature !== undefined) {
    if (r.kind !== 'sign') return 'presignature belongs to sign records only';
    if (!isBytes(r.presignature, PRESIGNATURE_ID_BYTES, PRESIGNATURE_ID_BYTES)) return 'presignature must be 32 bytes';
  }
  if (r.derivationPath !== undefined) {
    if (r.kind !== 'sign') return 'derivationPath belongs to sign records only';
    const bad = pathProblem(r.derivationPath);
    if (bad) return bad;
  }
  if (!Number.isSafeInteger(r.expiresAt) || r.expiresAt < 0) return 'expiresAt must be a non-negative safe integer';
  return undefined;
}

/** Serialises a record; throws {@link ControlError} `INVALID_ARGUMENT` when it breaks a rule. */
export function encodeRecord(r: SessionRecord): Uint8Array {
  const bad = recordProblem(r);
  if (bad) throw new ControlError('INVALID_ARGUMENT', `session record: ${bad}`);
  const w = new Writer().u8(MessageType.RECORD_BODY).u8(RECORD_VERSION).bytes(r.sessionId).u8(KIND_CODES[r.kind]);
  w.varBytes(asciiBytes(r.protocol)).varBytes(r.keyId).u8(r.threshold);
  writeU64(w, r.expiresAt).u8(r.parties.length);
  for (const p of r.parties) {
    writeAddrs(
      w
        .u8(p.index)
        .u8(p.role === undefined ? 0 : ROLE_CODES[p.role])
        .varBytes(p.peerId),
      p.addrs,
    );
  }
  if (r.messageHash) {
    const path = r.derivationPath;
    w.bytes(r.messageHash).u8((r.presignature ? SIGN_FLAG_PRESIGNATURE : 0) | (path ? SIGN_FLAG_PATH : 0));
    if (r.presignature) w.bytes(r.presignature);
    if (path) {
      w.u8(path.length);
      for (const step of path) w.u32(step);
    }
  }
  if (r.reshare) {
    const { chainCode } = r.reshare;
    w.varBytes(r.reshare.fromKeyId).u8(r.reshare.oldThreshold).bytes(r.reshare.publicKey);
    w.u8(chainCode ? RESHARE_FLAG_CHAIN_CODE : 0);
    if (chainCode) w.bytes(chainCode);
    for (const p of r.parties) w.u8(p.oldIndex ?? 0).u8(p.newIndex ?? 0);
  }
  return w.finish();
}

/** The first rule a derivation path breaks, or undefined. */
function pathProblem(path: readonly number[]): string | undefined {
  if (!Array.isArray(path) || path.length < 1 || path.length > MAX_DERIVATION_DEPTH) {
    return `derivationPath must have 1..${MAX_DERIVATION_DEPTH} steps`;
  }
  for (const step of path) {
    if (!Number.isInteger(step) || step < 0 || step >= HARDENED_INDEX) {
      return `derivation step ${step} out of 0..2^31−1 (hardened steps are not derivable from a public key)`;
    }
  }
  return undefined;
}

/** The first rule a reshare's terms and its parties' old and new indices break, or undefined. */
function reshareProblem(r: SessionRecord, t: ReshareTerms): string | undefined {
  if (!isBytes(t.fromKeyId, 1, MAX_KEY_ID_BYTES)) return `fromKeyId must be 1..${MAX_KEY_ID_BYTES} bytes`;
  if (equalBytes(t.fromKeyId, r.keyId)) return 'a reshare makes a new key id: keyId must differ from fromKeyId';
  if (!isBytes(t.publicKey, PUBLIC_KEY_BYTES, PUBLIC_KEY_BYTES) || (t.publicKey[0] !== 2 && t.publicKey[0] !== 3)) {
    return 'publicKey must be a 33-byte compressed point';
  }
  if (t.chainCode !== undefined && !isBytes(t.chainCode, CHAIN_CODE_BYTES, CHAIN_CODE_BYTES)) {
    return 'chainCode must be 32 bytes';
  }
  const olds = new Set<number>();
  const news = new Set<number>();
  for (const p of r.parties) {
    if (p.oldIndex === undefined && p.newIndex === undefined) return `party ${p.index} neither deals nor receives`;
    if (p.oldIndex !== undefined) {
      if (!Number.isInteger(p.oldIndex) || p.oldIndex < 1 || p.oldIndex > MAX_PARTIES) {
        return `old index ${p.oldIndex} out of 1..${MAX_PARTIES}`;
      }
      olds.add(p.oldIndex);
    }
    if (p.newIndex !== undefined) news.add(p.newIndex);
  }
  const dealers = r.parties.filter((p) => p.oldIndex !== undefined).length;
  if (olds.size !== dealers) return 'an old index appears twice';
  const receivers = r.parties.filter((p) => p.newIndex !== undefined).length;
  if (news.size !== receivers || ![...news].every((i) => Number.isInteger(i) && i >= 1 && i <= receivers)) {
    return 'new indices must be exactly 1..N′';
  }
  if (receivers < MIN_PARTIES) return `a reshare needs at least ${MIN_PARTIES} receivers`;
  if (!Number.isInteger(t.oldThreshold) || t.oldThreshold < MIN_PARTIES || t.oldThreshold > MAX_PARTIES) {
    return `oldThreshold must be ${MIN_PARTIES}..${MAX_PARTIES}`;
  }
  if (dealers < t.oldThreshold) return `${dealers} dealers cannot reshare a key of threshold ${t.oldThreshold}`;
  return undefined;
}

/** Parses and validates a record; throws {@link DecodeError} for anything malformed or trailing. */
export function decodeRecord(bytes: Uint8Array): SessionRecord {
  return decodeAll(bytes, (rd: Reader) => {
    rd.expectU8(MessageType.RECORD_BODY, 'session record type');
    const version = rd.u8();
    if (
      version !== RECORD_VERSION &&
      version !== RECORD_VERSION_WITHOUT_FLAGS &&
      version !== RECORD_VERSION_WITHOUT_ROLES
    ) {
      throw new DecodeError(`session record: unsupported version ${version}`);
    }
    const flagged = version === RECORD_VERSION;
    const sessionId = rd.copy(SESSION_ID_BYTES);
    const kind = readCode(rd, KIND_CODES, 'session record', 'kind');
    if (kind === 'presign' && !flagged)
      throw new DecodeError(`session record: kind presign needs version ${RECORD_VERSION}`);
    const protocol = String.fromCharCode(...rd.varBytes(MAX_PROTOCOL_BYTES));
    const keyId = rd.varBytes(MAX_KEY_ID_BYTES);
    const threshold = rd.u8();
    const expiresAt = readU64(rd);
    const n = rd.u8();
    if (n < MIN_PARTIES || n > MAX_PARTIES) throw new DecodeError(`session record: ${n} parties`);
    const parties: SessionParty[] = [];
    for (let k = 0; k < n; k++) {
      const index = rd.u8();
      const role = version === RECORD_VERSION_WITHOUT_ROLES ? undefined : readRole(rd);
      const peerId = rd.varBytes(MAX_PEER_ID_BYTES);
      const addrs = readAddrs(rd);
      parties.push(role === undefined ? { peerId, index, addrs } : { peerId, index, addrs, role });
    }
    const base = { sessionId, kind, protocol, keyId, threshold, parties, expiresAt };
    let record: SessionRecord = base;
    if (kind === 'sign') {
      const messageHash = rd.copy(MESSAGE_HASH_BYTES);
      record = flagged ? { ...base, messageHash, ...readSignFlags(rd) } : { ...base, messageHash };
    }
    if (kind === 'reshare') {
      const fromKeyId = rd.varBytes(MAX_KEY_ID_BYTES);
      const oldThreshold = rd.u8();
      const publicKey = rd.copy(PUBLIC_KEY_BYTES);
      const flags = flagged ? rd.u8() : 0;
      if (flags & ~RESHARE_FLAG_CHAIN_CODE) throw new DecodeError(`session record: unknown reshare flags ${flags}`);
      const reshare: ReshareTerms =
        flags & RESHARE_FLAG_CHAIN_CODE
          ? { fromKeyId, oldThreshold, publicKey, chainCode: rd.copy(CHAIN_CODE_BYTES) }
          : { fromKeyId, oldThreshold, publicKey };
      const moved = parties.map((p) => ({ ...p, ...readMove(rd, 'oldIndex'), ...readMove(rd, 'newIndex') }));
      record = { ...base, parties: moved, reshare };
    }
    const bad = recordProblem(record);
    if (bad) throw new DecodeError(`session record: ${bad}`);
    return record;
  });
}

/**
 * The session record as a signed message: signed by the coordinator, announced (request/response and gossip)
 * in an `ANNOUNCE` envelope; a body that is signed but does not decode is `BAD_RECORD`.
 */
export const signedRecords = defineSignedMessage<'record', SessionRecord>({
  domain: 'record',
  type: MessageType.ANNOUNCE,
  what: 'session record',
  signer: 'coordinator',
  badBody: 'BAD_RECORD',
  encode: encodeRecord,
  decode: decodeRecord,
});

/**
 * Decides whether this party may act on a record: the coordinator signed it, it names this party, and it has
 * not expired (`now < expiresAt`). Only `bytes` and `signature` are used (any decoded `record` alongside them
 * is ignored). Whether this party already accepted the session id for the key is the node's durable log to
 * answer, atomically, after this check. Throws {@link ControlError} `BAD_SIGNATURE`, `BAD_RECORD`,
 * `NOT_NAMED`, `EXPIRED` (checked in that order), `BAD_PEER_ID` for a bad configured coordinator id, or
 * `INVALID_ARGUMENT` for a `now` that is not a finite number.
 */
export function acceptRecord(signed: SignedBytes, opts: AcceptOptions): AcceptedRecord {
  if (!Number.isFinite(opts.now)) throw new ControlError('INVALID_ARGUMENT', '`now` must be a finite number');
  const record = signedRecords.verify(signed.bytes, signed.signature, opts.coordinatorPeerId, opts.ed25519);
  const self = record.parties.find((p) => equalBytes(p.peerId, opts.selfPeerId));
  if (!self) throw new ControlError('NOT_NAMED', 'session record does not name this party');
  if (opts.now >= record.expiresAt) throw new ControlError('EXPIRED', `session record expired at ${record.expiresAt}`);
  return { record, selfIndex: self.index };
}

/** A version-4 signing's flags and what they announce: the presignature's handle, the derivation path. */
function readSignFlags(rd: Reader): { presignature?: Uint8Array; derivationPath?: number[] } {
  const flags = rd.u8();
  if (flags & ~(SIGN_FLAG_PRESIGNATURE | SIGN_FLAG_PATH))
    throw new DecodeError(`session record: unknown sign flags ${flags}`);
  const out: { presignature?: Uint8Array; derivationPath?: number[] } = {};
  if (flags & SIGN_FLAG_PRESIGNATURE) out.presignature = rd.copy(PRESIGNATURE_ID_BYTES);
  if (flags & SIGN_FLAG_PATH) {
    const depth = rd.u8();
    if (depth < 1 || depth > MAX_DERIVATION_DEPTH) throw new DecodeError(`session record: derivation depth ${depth}`);
    out.derivationPath = Array.from({ length: depth }, () => rd.u32());
  }
  return out;
}

/** A reshare party's old or new index byte: 0 (none) or the index. */
function readMove(rd: Reader, field: 'oldIndex' | 'newIndex'): { oldIndex?: number; newIndex?: number } {
  const i = rd.u8();
  return i === 0 ? {} : { [field]: i };
}

/** A party's role byte: 0 (not stated) or a {@link ROLE_CODES} code. */
function readRole(rd: Reader): PartyRole | undefined {
  const code = rd.u8();
  if (code === 0) return undefined;
  const role = (Object.keys(ROLE_CODES) as PartyRole[]).find((k) => ROLE_CODES[k] === code);
  if (role === undefined) throw new DecodeError(`session record: unknown role code ${code}`);
  return role;
}

function asciiBytes(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}
