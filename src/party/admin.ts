/**
 * Operator views of a party's store: what `mpc party status` prints. Only public facts leave here (key ids,
 * public keys, thresholds, statuses, bans, pair peers, frozen keys); no secret is ever decrypted for a listing.
 */
import { peerIdFromMultihash } from '@libp2p/peer-id';
import * as Digest from 'multiformats/hashes/digest';
import { toHex } from '../../protocols/common/bytes.js';
import type { Log } from '../runtime/logger.js';
import type { ShareStore } from '../store/share-store.js';
import type { AdminAnswer } from './admin-socket.js';
import { loadIdentity } from './identity.js';

/** The status report of one party node. */
export interface PartyStatus {
  peerId: string;
  keys: {
    keyId: string;
    publicKey: string;
    threshold: number;
    n: number;
    index: number;
    status: string;
    createdAt: string;
  }[];
  pairs: { peer: string; burnt: boolean }[];
  bans: { peer: string; reason: string; at: string }[];
  /** Keys frozen after a failed final signature verification (`mpc party unfreeze --key` lifts one). */
  frozen: { keyId: string; reason: string; at: string }[];
}

/** A peer id's usual string form, or hex when the bytes are not a peer id. */
function peerName(bytes: Uint8Array): string {
  try {
    return peerIdFromMultihash(Digest.decode(bytes)).toString();
  } catch {
    return toHex(bytes);
  }
}

/** Collects the status report from an open store. */
export async function partyStatus(store: ShareStore): Promise<PartyStatus> {
  const { peerId } = await loadIdentity(store);
  const keys = (await store.listShares()).map((s) => ({
    keyId: toHex(s.keyId),
    publicKey: `0x${toHex(s.publicKey)}`,
    threshold: s.threshold,
    n: s.n,
    index: s.index,
    status: s.status,
    createdAt: s.createdAt,
  }));
  const burnt = new Set((await store.pairs.listBurnt()).map((b) => toHex(b.peerId)));
  const pairs = (await store.pairs.list()).map((p) => ({
    peer: peerName(p.peerNodeId),
    burnt: burnt.has(toHex(p.peerNodeId)),
  }));
  const bans = (await store.listBans()).map((b) => ({ peer: peerName(b.peerId), reason: b.reason, at: b.at }));
  const frozen = (await store.frozenKeys.list()).map((f) => ({ keyId: toHex(f.keyId), reason: f.reason, at: f.at }));
  return { peerId, keys, pairs, bans, frozen };
}

/** A human-readable rendering of {@link PartyStatus}. */
export function formatStatus(s: PartyStatus): string {
  const lines = [`peer id: ${s.peerId}`, `keys (${s.keys.length}):`];
  for (const k of s.keys) {
    lines.push(`  ${k.keyId}  ${k.threshold}-of-${k.n}  index ${k.index}  ${k.status}  ${k.publicKey}`);
  }
  lines.push(`pair states (${s.pairs.length}):`);
  for (const p of s.pairs) lines.push(`  ${p.peer}${p.burnt ? '  BURNT (re-run pair setup)' : ''}`);
  lines.push(`bans (${s.bans.length}):`);
  for (const b of s.bans) lines.push(`  ${b.peer}  since ${b.at}  ${b.reason}`);
  lines.push(`frozen keys (${s.frozen.length}):`);
  for (const f of s.frozen)
    lines.push(`  ${f.keyId}  since ${f.at}  ${f.reason}  (mpc party unfreeze --key ${f.keyId})`);
  return lines.join('\n');
}

/** The operator's answer to `mpc party unfreeze`, logged when a freeze was lifted. */
export function unfreezeAnswer(lifted: boolean, keyId: string, log?: Log): AdminAnswer {
  if (!lifted) return { ok: true, message: `key ${keyId} was not frozen` };
  log?.warn({ keyId }, "key unfrozen on the operator's request");
  return { ok: true, message: `unfroze key ${keyId}: this party signs with it again` };
}
