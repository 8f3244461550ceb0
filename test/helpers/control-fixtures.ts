/**
 * The fixtures the control-message tests (test/unit/control-*.test.ts) share: keys and peer ids drawn from one
 * seeded generator (so every run sees the same bytes), a session record, a result of every shape, a decision and
 * the delegate contexts.
 */
import { CURVE_ORDER, encodePoint, G } from '../../protocols/common/curve.js';
import type { Decision, DelegateContext, SessionResult } from '../../protocols/control/control.js';
import { peerIdFromSecretKey } from '../../protocols/control/peer-key.js';
import type { SessionRecord } from '../../protocols/control/record.js';
import { seededRng } from './rng.js';

const rng = seededRng('session-control');
/** The coordinator's Ed25519 secret key. */
export const coordKey = rng(32);
/** The coordinator's peer id. */
export const coordId = peerIdFromSecretKey(coordKey);
/** A party's Ed25519 secret key. */
export const partyKey = rng(32);
/** That party's peer id. */
export const partyId = peerIdFromSecretKey(partyKey);
/** A key that is neither the coordinator's nor the party's (a forger, or a second party). */
export const otherKey = rng(32);
/** The session id of every fixture. */
export const sessionId = rng(32);
/** A valid compressed public key. */
export const PK = encodePoint(G.multiply(12345n));
/** The largest low-s value: half the curve order. */
export const HALF_N = CURVE_ORDER >> 1n;

/** A 2-party signing record. */
export const record: SessionRecord = {
  sessionId,
  kind: 'sign',
  protocol: 'dkls23',
  keyId: Uint8Array.of(7, 7),
  threshold: 2,
  parties: [
    { peerId: partyId, index: 1, addrs: ['/ip4/127.0.0.1/tcp/4001'] },
    { peerId: peerIdFromSecretKey(otherKey), index: 2, addrs: [] },
  ],
  messageHash: rng(32),
  expiresAt: 1_800_000_000_000,
};

/** A session result of every shape the codec knows, by name. */
export const results: Record<string, SessionResult> = {
  keygenOk: { sessionId, status: 'ok', publicKey: PK },
  keygenUserShare: { sessionId, status: 'ok', publicKey: PK, userShare: rng(700) },
  signOk: { sessionId, status: 'ok', signature: { r: CURVE_ORDER - 1n, s: HALF_N, recovery: 3 } },
  failed: { sessionId, status: 'failed', error: { code: 'BAD_SHARE', round: 2, culprits: [3, 1] } },
  failedNoCulprit: { sessionId, status: 'failed', error: { code: 'ECHO_MISMATCH', round: 65535, culprits: [] } },
  timeout: { sessionId, status: 'timeout' },
  timeoutWithError: { sessionId, status: 'timeout', error: { code: 'TIMEOUT', round: 1, culprits: [2] } },
  presigned: { sessionId, status: 'ok', presignedR: encodePoint(G.multiply(777n)) },
  keygenChainCode: { sessionId, status: 'ok', publicKey: PK, chainCode: new Uint8Array(32).fill(0xcc) },
  onlineShare: {
    sessionId,
    status: 'ok',
    onlineShare: { R: encodePoint(G.multiply(555n)), u: 0n, w: CURVE_ORDER - 1n },
  },
};

/** A commit decision for the record's key. */
export const decision: Decision = { sessionId, keyId: Uint8Array.of(7, 7), action: 'commit' };

/** A delegate context of each kind, by kind. */
export const delegates: Record<string, DelegateContext> = {
  keygen: { kind: 'keygen', sessionId, accountId: '0b7c2f64-8f0e-4a53-a0a5-3f5b6f0e1d2c' },
  sign: {
    kind: 'sign',
    sessionId,
    accountId: '0b7c2f64-8f0e-4a53-a0a5-3f5b6f0e1d2c',
    keyId: rng(32),
    index: 3,
    publicKey: PK,
    userShare: rng(650),
  },
};

/** A presigning by the record's two signers. */
export const presignRecord: SessionRecord = {
  sessionId: Uint8Array.from(sessionId).reverse(),
  kind: 'presign',
  protocol: 'dkls23',
  keyId: Uint8Array.of(7, 7),
  threshold: 2,
  parties: record.parties,
  expiresAt: 1_800_000_000_000,
};

/** The record's signing run from the presignature of {@link presignRecord}, for the child key at m/0/5. */
export const onlineRecord: SessionRecord = {
  ...record,
  presignature: presignRecord.sessionId,
  derivationPath: [0, 5],
};
