/**
 * Record keys of the party store and the codec of its plaintext (non-secret) records.
 *
 * Every key is `<kind>/<hex fields>`; hex keeps keys printable and sorts the same as the bytes. The record key
 * doubles as the AAD context of a sealed value, so a value copied under another key does not open.
 */
import { toHex } from '../../protocols/common/bytes.js';
import { StoreError } from './errors.js';

/** Record-key builders, one per kind. */
export const recordKey = {
  /** Proves on open that the master key is the one the directory was created with. */
  check: () => 'check',
  /** The node's libp2p identity (private) key, sealed. */
  identity: () => 'identity',
  /** A key share (encodeKeyShare), sealed. */
  share: (keyId: Uint8Array) => `share/${hexId(keyId, 'keyId')}`,
  /** Public facts of a key share and its status (JSON, plaintext so operators can list keys). */
  shareInfo: (keyId: Uint8Array) => `shareinfo/${hexId(keyId, 'keyId')}`,
  /**
   * A reshare's note that this party leaves the key: when the coordinator commits the new key (`keyId`), the
   * share of the key it names (`fromKeyId`, JSON) is deleted.
   */
  retire: (keyId: Uint8Array) => `retire/${hexId(keyId, 'keyId')}`,
  /** The pair state with one peer node (encodePairState), sealed. */
  pair: (peerId: Uint8Array) => `pair/${hexId(peerId, 'peerId')}`,
  /** Flag: this pair state failed an OT-extension check and may never be used again. */
  burnt: (psid: Uint8Array, peerId: Uint8Array) => `burnt/${hexId(psid, 'psid')}/${hexId(peerId, 'peerId')}`,
  /** A session id already accepted for a key. */
  session: (keyId: Uint8Array, sessionId: Uint8Array) =>
    `sid/${hexId(keyId, 'keyId')}/${hexId(sessionId, 'sessionId')}`,
  /** A banned peer node. */
  ban: (peerId: Uint8Array) => `ban/${hexId(peerId, 'peerId')}`,
  /** A frozen key: a signature of it failed its final verification; no session for it until an operator acts. */
  frozen: (keyId: Uint8Array) => `frozen/${hexId(keyId, 'keyId')}`,
  /** A presignature of a key under its handle, the presign session id (presignature codec), sealed. */
  presig: (keyId: Uint8Array, id: Uint8Array) => `presig/${hexId(keyId, 'keyId')}/${hexId(id, 'presignature id')}`,
  /** Marker: this presignature was taken, so the same one can never be stored and used again. */
  presigUsed: (keyId: Uint8Array, id: Uint8Array) =>
    `presig-used/${hexId(keyId, 'keyId')}/${hexId(id, 'presignature id')}`,
} as const;

/** Record-key prefixes, for listing a kind (each ends with `/`, so `presig/` never matches `presig-used/`). */
export const recordPrefix = {
  shareInfo: 'shareinfo/',
  pair: 'pair/',
  burnt: 'burnt/',
  ban: 'ban/',
  frozen: 'frozen/',
  presig: (keyId: Uint8Array) => `presig/${hexId(keyId, 'keyId')}/`,
} as const;

/** Iterator bounds covering exactly the keys that start with `prefix` (hex and `/` sort below U+FFFF). */
export function prefixRange(prefix: string): { gte: string; lt: string } {
  return { gte: prefix, lt: `${prefix}\uffff` };
}

/** Hex of a non-empty id; an empty id would make `share/` the key of every key's share. */
function hexId(id: Uint8Array, what: string): string {
  if (id.length === 0) throw new StoreError('INVALID_ARGUMENT', `${what} must not be empty`);
  return toHex(id);
}

/** Version of the plaintext JSON records. */
export const JSON_RECORD_VERSION = 1;

/** Encodes a plaintext record (never call this with secret values). */
export function encodeJson(value: object): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ v: JSON_RECORD_VERSION, ...value }));
}

/** Decodes a plaintext record; throws {@link StoreError} `CORRUPT_RECORD` if it does not parse or has another version. */
export function decodeJson<T>(bytes: Uint8Array, key: string): T & { v: number } {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (e) {
    throw new StoreError('CORRUPT_RECORD', `record ${key} is not valid JSON`, { cause: e });
  }
  if (typeof value !== 'object' || value === null || (value as { v?: unknown }).v !== JSON_RECORD_VERSION) {
    throw new StoreError('CORRUPT_RECORD', `record ${key} has an unknown format version`);
  }
  return value as T & { v: number };
}
