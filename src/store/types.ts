/** Public shapes the party store returns. */
import type { KeyShare } from '../../protocols/dkls23/key-share.js';

/** A share is pending from keygen until the coordinator's commit, then committed. */
export type ShareStatus = 'pending' | 'committed';

/** A stored key share with its status. */
export interface StoredShare {
  readonly share: KeyShare;
  readonly status: ShareStatus;
}

/** The public facts of a stored key share (what `mpc party status` may print). */
export interface ShareInfo {
  readonly keyId: Uint8Array;
  /** The aggregate public key, 33-byte compressed. */
  readonly publicKey: Uint8Array;
  readonly threshold: number;
  readonly n: number;
  /** This party's index, 1..n. */
  readonly index: number;
  readonly status: ShareStatus;
  /** When keygen stored it (ISO 8601). */
  readonly createdAt: string;
  /** When the coordinator's commit arrived (ISO 8601). */
  readonly committedAt?: string;
}

/** A banned peer node. */
export interface BanInfo {
  readonly peerId: Uint8Array;
  readonly reason: string;
  /** ISO 8601. */
  readonly at: string;
}

/** A burnt pair state: the pair-setup session id and the peer node. */
export interface BurntInfo {
  readonly psid: Uint8Array;
  readonly peerId: Uint8Array;
  readonly reason: string;
  /** ISO 8601. */
  readonly at: string;
}
