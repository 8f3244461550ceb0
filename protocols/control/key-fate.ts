/**
 * The fate of pending keys. A party that holds a pending (uncommitted) key share long after its keygen's deadline
 * asks the coordinator what became of that keygen, instead of keeping the share for ever or deleting one the
 * coordinator committed while the party was away. The answer is a list of decisions (decision.ts), each signed by
 * the coordinator like the ones it sends after a keygen: `commit` (the account is active: the party commits the
 * share, healing a commit it missed) or `abort` (the keygen failed, or the coordinator knows no such key: the
 * party discards the share). A key the coordinator has not settled yet has no decision: the party keeps it.
 *
 * - Query (party → coordinator): `0x0a ‖ 0x01 ‖ count(u8, 1..MAX_FATE_KEYS) ‖ keyId(u16 len, 1..64)…`, distinct.
 * - Answer (coordinator → party): `0x0b ‖ 0x01 ‖ count(u8, 0..MAX_FATE_KEYS) ‖ decision message(u16 len)…`,
 *   each a `DECISION` envelope (the party opens it against the coordinator's key and checks its key was asked).
 */
import { decodeAll, type Reader, Writer } from '../common/codec.js';
import { DecodeError } from '../common/errors.js';
import { ControlError } from './errors.js';
import { MAX_KEY_ID_BYTES } from './record.js';
import { MessageType, readHeader, WIRE_VERSION } from './wire.js';

/** Most keys one query asks about (a party with more asks again for the rest). */
export const MAX_FATE_KEYS = 64;
/** Longest decision message in an answer (a decision envelope is about 170 bytes). */
export const MAX_FATE_DECISION_BYTES = 512;

function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

/** The first rule a query's key ids break, or undefined. */
function queryProblem(keyIds: readonly Uint8Array[]): string | undefined {
  if (!Array.isArray(keyIds) || keyIds.length < 1 || keyIds.length > MAX_FATE_KEYS) {
    return `1..${MAX_FATE_KEYS} key ids`;
  }
  const seen = new Set<string>();
  for (const k of keyIds) {
    if (!(k instanceof Uint8Array) || k.length < 1 || k.length > MAX_KEY_ID_BYTES) {
      return `a key id must be 1..${MAX_KEY_ID_BYTES} bytes`;
    }
    if (seen.has(hex(k))) return 'a key id is asked twice';
    seen.add(hex(k));
  }
  return undefined;
}

/** Serialises a key-fate query; throws {@link ControlError} `INVALID_ARGUMENT` when a field is out of bounds. */
export function encodeKeyFateQuery(keyIds: readonly Uint8Array[]): Uint8Array {
  const bad = queryProblem(keyIds);
  if (bad) throw new ControlError('INVALID_ARGUMENT', `key-fate query: ${bad}`);
  const w = new Writer().u8(MessageType.KEY_FATE_QUERY).u8(WIRE_VERSION).u8(keyIds.length);
  for (const k of keyIds) w.varBytes(k);
  return w.finish();
}

/** Parses a key-fate query; throws {@link DecodeError} for anything malformed (no key, duplicates, bounds). */
export function decodeKeyFateQuery(bytes: Uint8Array): Uint8Array[] {
  return decodeAll(bytes, (r: Reader) => {
    readHeader(r, MessageType.KEY_FATE_QUERY, 'key-fate query');
    const count = r.u8();
    const keyIds: Uint8Array[] = [];
    for (let i = 0; i < count; i++) keyIds.push(r.varBytes(MAX_KEY_ID_BYTES));
    const bad = queryProblem(keyIds);
    if (bad) throw new DecodeError(`key-fate query: ${bad}`);
    return keyIds;
  });
}

/** The first rule an answer's decision messages break, or undefined. */
function answerProblem(decisions: readonly Uint8Array[]): string | undefined {
  if (!Array.isArray(decisions) || decisions.length > MAX_FATE_KEYS) return `at most ${MAX_FATE_KEYS} decisions`;
  for (const d of decisions) {
    if (!(d instanceof Uint8Array) || d.length < 1 || d.length > MAX_FATE_DECISION_BYTES) {
      return `a decision message must be 1..${MAX_FATE_DECISION_BYTES} bytes`;
    }
    if (d[0] !== MessageType.DECISION) return 'an entry is not a decision message';
  }
  return undefined;
}

/**
 * Serialises the answer to a key-fate query: the signed decision messages (`signedDecisions.encode`); throws
 * {@link ControlError} `INVALID_ARGUMENT` when out of bounds.
 */
export function encodeKeyFates(decisions: readonly Uint8Array[]): Uint8Array {
  const bad = answerProblem(decisions);
  if (bad) throw new ControlError('INVALID_ARGUMENT', `key fates: ${bad}`);
  const w = new Writer().u8(MessageType.KEY_FATES).u8(WIRE_VERSION).u8(decisions.length);
  for (const d of decisions) w.varBytes(d);
  return w.finish();
}

/**
 * Parses the answer to a key-fate query into its decision messages (still to be opened and verified against the
 * coordinator's key); throws {@link DecodeError} for anything malformed.
 */
export function decodeKeyFates(bytes: Uint8Array): Uint8Array[] {
  return decodeAll(bytes, (r: Reader) => {
    readHeader(r, MessageType.KEY_FATES, 'key fates');
    const count = r.u8();
    const decisions: Uint8Array[] = [];
    for (let i = 0; i < count; i++) decisions.push(r.varBytes(MAX_FATE_DECISION_BYTES));
    const bad = answerProblem(decisions);
    if (bad) throw new DecodeError(`key fates: ${bad}`);
    return decisions;
  });
}
