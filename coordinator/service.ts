/**
 * What the REST API asks of the coordinator, in the JSON shapes the API returns. `orchestration/` implements it
 * over the rendezvous host and the database; the API layer authenticates, parses every request into the typed
 * arguments below (once: the service does not re-check them) and serialises. Every method throws
 * {@link CoordinatorError} for failures a client should see.
 */
import type { PartyRole } from '../protocols/control/control.js';
import type { SessionOutcome } from '../src/runtime/metrics.js';

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
  /** ISO 8601. */
  createdAt: string;
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
  kind: 'keygen' | 'sign';
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
}

/** The coordinator's operations behind the REST API. */
export interface CoordinatorService {
  /** Runs a keygen; resolves when the account is active. The API has checked 2 <= threshold <= parties <= 16. */
  createAccount(req: KeygenRequest): Promise<AccountView>;
  /** Throws `NOT_FOUND`. */
  getAccount(accountId: string): Promise<AccountView>;
  listAccounts(userId: string): Promise<AccountView[]>;
  /**
   * Signs a 32-byte hash (not all zeros; the API has checked both); the signature is verified against the
   * account's key before release.
   */
  sign(accountId: string, messageHash: Uint8Array): Promise<SignatureView>;
  /** The session with this 32-byte id; throws `NOT_FOUND`. */
  getSession(sessionId: Uint8Array): Promise<SessionView>;
  listParties(): Promise<PartyView[]>;
  /** A one-time token that admits one party peer id to the p2p network. */
  createJoinToken(ttlSeconds: number): Promise<{ token: string; expiresAt: string }>;
  health(): Promise<HealthView>;
}

/** Metrics the orchestration reports (implemented in api/metrics.ts). */
export interface SessionMetrics {
  /** A session ended; the coordinator's outcomes are `ok`, `failed` and `timeout` (its verdicts). */
  sessionEnded(kind: 'keygen' | 'sign', outcome: SessionOutcome, seconds: number): void;
}
