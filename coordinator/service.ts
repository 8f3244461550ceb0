/**
 * What the REST API asks of the coordinator, in the JSON shapes the API returns. `orchestration/` implements it
 * over the rendezvous host and the database; the API layer authenticates, parses every request into the typed
 * arguments below (once: the service does not re-check them) and serialises. Every method throws
 * {@link CoordinatorError} for failures a client should see.
 */
import type { PartyRole } from '../protocols/control/control.js';
import type { SessionKind } from '../protocols/control/record.js';
import type { SessionOutcome } from '../src/runtime/metrics.js';
import type { Custody } from './db/types.js';

/** One party of an account. */
export interface AccountPartyView {
  /** libp2p peer id (base58btc string). */
  partyId: string;
  /** The party's index in the key, 1..N. */
  index: number;
  /** The party's role when the key was made. */
  role: PartyRole;
}

/** An account (a threshold key) as the API returns it. */
export interface AccountView {
  accountId: string;
  userId: string;
  /** `0x` + 66 hex: the compressed secp256k1 public key; null while keygen has not finished. */
  publicKey: string | null;
  /** EIP-55 checksummed Ethereum address; null while keygen has not finished. */
  address: string | null;
  threshold: number;
  parties: AccountPartyView[];
  /** The keygen session. */
  sessionId: string;
  /** `pending` during keygen, `active` once every party reported the same key, `failed` otherwise. */
  status: 'pending' | 'active' | 'failed';
  /**
   * `server`: every share is held by the cluster's parties. `hybrid`: the share of the party whose role is
   * `delegate` was sealed and handed to the caller at creation (the user share); it is never stored or shown.
   */
  custody: Custody;
  /** Every signing must bring the user share (hybrid only). */
  requireUserShare: boolean;
  /** Parties that take part in every signing. */
  requireParties: string[];
  /** ISO 8601. */
  createdAt: string;
  /** ISO 8601: when a refresh or reshare last gave the key new shares; null if never. */
  rekeyedAt: string | null;
  /**
   * The key's BIP32 extended public key (`xpub…`, mainnet version bytes, depth 0): derive child addresses from it
   * with any BIP32 library (non-hardened paths) and sign for them with `derivationPath`. Null while pending and
   * for a key made before chain codes.
   */
  xpub: string | null;
  /** Presignatures the pool holds for the account's key (only when the coordinator keeps a presignature pool). */
  presignatures?: number;
}

/** The answer to an account creation: the account, and for hybrid custody the user share (base64url), once. */
export interface CreatedAccountView extends AccountView {
  userShare?: string;
}

/** A released signature. */
export interface SignatureView {
  accountId: string;
  sessionId: string;
  /** `0x` + 64 hex, as requested. */
  messageHash: string;
  signature: {
    /** `0x` + 64 hex. */
    r: string;
    /** `0x` + 64 hex, low-s. */
    s: string;
    v: 27 | 28;
    recoveryId: 0 | 1;
  };
  /** `0x` + r ‖ s ‖ v, 130 hex. */
  signatureHex: string;
  /** The key that signed: `m` for the account key itself, else the BIP32 path of its child, e.g. `m/0/5`. */
  derivationPath: string;
  /** `0x` + 66 hex: the compressed public key the signature verifies under (the child's for a path). */
  publicKey: string;
  /** EIP-55 address of that key: what `ecrecover` gives. */
  address: string;
  /** True when a pooled presignature was used: only the online round ran. */
  presigned: boolean;
}

/** One entry of a session's append-only event log. */
export interface SessionEventView {
  /** e.g. `created`, `announced`, `party-joined`, `party-result`, `round-timeout`, `result`, `failure`, `retry`. */
  type: string;
  /** ISO 8601. */
  at: string;
  partyId?: string;
  detail?: Record<string, unknown>;
}

/** A session as the API returns it. */
export interface SessionView {
  sessionId: string;
  kind: SessionKind;
  status: 'pending' | 'running' | 'completed' | 'failed';
  accountId: string;
  parties: { partyId: string; index: number }[];
  events: SessionEventView[];
  error?: { code: string; message: string; culprits?: string[] };
}

/** A registered or admitted party. */
export interface PartyView {
  partyId: string;
  role: PartyRole;
  status: 'online' | 'offline';
  addresses: string[];
  /** ISO 8601, or null when never seen. */
  lastSeen: string | null;
  /** Peers this party reported it has banned (it runs no session with them until an operator lifts the ban). */
  bans: string[];
}

/** A new join token: shown once. */
export interface JoinTokenView {
  token: string;
  /** ISO 8601. */
  expiresAt: string;
  /** The role the party it admits must register with. */
  role: PartyRole;
}

/** A revoked party. */
export interface RevokedParty {
  partyId: string;
  /** ISO 8601: when it was first revoked. */
  revokedAt: string;
}

/** What `GET /health` reports. */
export interface HealthView {
  /** True when the database answers and enough parties are online for a default keygen. */
  ok: boolean;
  database: boolean;
  onlineParties: number;
  /** Parties needed online for a default (2-of-3) keygen. */
  quorum: number;
  /**
   * Pairs of parties one of which has banned the other: never chosen together. Non-empty makes a healthy
   * coordinator `degraded` (it still serves, with fewer signer sets).
   */
  bannedPairs: [string, string][];
}

/** A keygen request as the API parsed it. */
export interface KeygenRequest {
  userId: string;
  /** Signers needed, 2..parties. */
  threshold: number;
  /** Parties holding a share, threshold..16. */
  parties: number;
  /** @default 'server' */
  custody?: Custody;
  /** Hybrid only, and only when the persistent parties alone cannot reach the threshold (the API checked). */
  requireUserShare?: boolean;
  /** Party ids to put in the key (distinct, at most `parties`; the API checked). */
  include?: readonly string[];
  /** Party ids of `include` that must take part in every signing (the API checked). */
  requireParties?: readonly string[];
}

/** What a reshare asks for (a refresh asks for nothing: same parties, same threshold). */
export interface ReshareTarget {
  /** The new key's parties (distinct, online, not delegate nodes), or how many (2..16; the API checked). */
  readonly parties: readonly string[] | number;
  /** The new key's threshold, 2..16. @default the account's */
  readonly threshold?: number;
}

/** What a refresh or reshare answers: the account under its new shares and the session that made them. */
export interface ResharedView {
  account: AccountView;
  session: SessionView;
}

/** What a signing request may add to the hash. */
export interface SignOptions {
  /** The user share a hybrid account's creation returned (its bytes; opened only by a delegate node). */
  userShare?: Uint8Array;
  /** Party ids of the account that must be among the signers. */
  include?: readonly string[];
  /** Sign for the account key's BIP32 child at these non-hardened steps (`m/0/5` is [0, 5]). */
  derivationPath?: readonly number[];
}

/** The coordinator's operations behind the REST API. */
export interface CoordinatorService {
  /**
   * Runs a keygen; resolves when the account is active (with the user share for hybrid custody). The API has
   * checked 2 <= threshold <= parties <= 16.
   */
  createAccount(req: KeygenRequest): Promise<CreatedAccountView>;
  /**
   * Refreshes the account's key: every party of it gets a new share (same public key and address) and new pair
   * states; the old shares are deleted at the commit and useless with the new ones. Throws `NOT_FOUND`,
   * `CONFLICT` (not active, hybrid custody, another refresh or reshare running), `UNAVAILABLE` (a party of the
   * key offline), `SIGNING_FAILED` (a protocol check failed: nothing changed), `TIMEOUT`.
   */
  refreshAccount(accountId: string): Promise<ResharedView>;
  /**
   * Moves the account's key to other parties or another threshold, same public key and address; at least the
   * old threshold of the key's parties must be online. Errors as {@link refreshAccount}, and `INVALID_REQUEST`.
   */
  reshareAccount(accountId: string, target: ReshareTarget): Promise<ResharedView>;
  /** Throws `NOT_FOUND`. */
  getAccount(accountId: string): Promise<AccountView>;
  listAccounts(userId: string): Promise<AccountView[]>;
  /**
   * Signs a 32-byte hash (not all zeros; the API has checked both); the signature is verified against the
   * account's key before release.
   */
  sign(accountId: string, messageHash: Uint8Array, opts?: SignOptions): Promise<SignatureView>;
  /** The session with this 32-byte id; throws `NOT_FOUND`. */
  getSession(sessionId: Uint8Array): Promise<SessionView>;
  listParties(): Promise<PartyView[]>;
  /** A one-time token that admits one party peer id to the p2p network, as `role` (default persistent). */
  createJoinToken(ttlSeconds: number, role?: PartyRole): Promise<JoinTokenView>;
  /**
   * Revokes a party: stored, then it is disconnected and refused from then on (also after a restart). Throws
   * `NOT_FOUND` for a peer id the coordinator does not know; revoking again answers the first revocation.
   */
  revokeParty(partyId: string): Promise<RevokedParty>;
  health(): Promise<HealthView>;
}

/** Metrics the orchestration reports (implemented in api/metrics.ts). */
export interface SessionMetrics {
  /** A session ended; the coordinator's outcomes are `ok`, `failed` and `timeout` (its verdicts). */
  sessionEnded(kind: SessionKind, outcome: SessionOutcome, seconds: number): void;
}
