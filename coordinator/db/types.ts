/**
 * The coordinator's repositories, as interfaces: what orchestration and the API need from PostgreSQL. The `pg`
 * implementations live beside this file; the same code serves a real server and the embedded PGlite.
 * Timestamps are `Date`; ids and hex strings are stored as text exactly as given.
 */
import type { PartyRole } from '../../protocols/control/control.js';
import type { SessionKind } from '../../protocols/control/record.js';

/** Account row status. */
export type AccountStatus = 'pending' | 'active' | 'failed';

/** One party of an account's key. */
export interface AccountParty {
  partyId: string;
  index: number;
  role: PartyRole;
}

/** An account (a threshold key). */
export interface AccountRow {
  accountId: string;
  userId: string;
  /** Hex of the key id used in session records. */
  keyId: string;
  /** `0x` + 66 hex once active. */
  publicKey: string | null;
  /** EIP-55 address once active. */
  address: string | null;
  threshold: number;
  status: AccountStatus;
  /** The keygen session id (hex). */
  sessionId: string;
  parties: AccountParty[];
  /** `hybrid`: one party is a delegate whose share the caller holds (the user share); never stored here. */
  custody: Custody;
  /** Every signing must bring the user share (hybrid only). */
  requireUserShare: boolean;
  /** Peer ids that take part in every signing. */
  requiredParties: string[];
  createdAt: Date;
  /** When a refresh or reshare last moved the account to new shares; null if never. */
  rekeyedAt: Date | null;
  /** Hex of the key's BIP32 chain code (32 bytes) once active; null for a key made before chain codes. */
  chainCode: string | null;
}

/** How an account's shares are held: all by the cluster's parties, or one by the caller (the user share). */
export type Custody = 'server' | 'hybrid';

/** A pending account to insert. */
export type NewAccount = Omit<
  AccountRow,
  | 'publicKey'
  | 'address'
  | 'status'
  | 'createdAt'
  | 'rekeyedAt'
  | 'chainCode'
  | 'custody'
  | 'requireUserShare'
  | 'requiredParties'
> &
  Partial<Pick<AccountRow, 'custody' | 'requireUserShare' | 'requiredParties'>>;

/** Accounts. */
export interface AccountRepo {
  /** Inserts a pending account with its parties (custody `server`, no rules unless given). */
  insert(a: NewAccount): Promise<AccountRow>;
  /** Sets `active` with the agreed key and address. */
  activate(accountId: string, publicKey: string, address: string, chainCode: string | null): Promise<void>;
  /** Sets `failed`. */
  fail(accountId: string): Promise<void>;
  /**
   * Gives a pending account a new keygen attempt: its key id, keygen session and parties are replaced (the
   * previous attempt failed and its parties were told to discard their shares).
   */
  reassign(accountId: string, attempt: { keyId: string; sessionId: string; parties: AccountParty[] }): Promise<void>;
  /**
   * Moves an active account from key `fromKeyId` to the new key of a committed reshare: key id, threshold and
   * parties replaced, `rekeyedAt` set, the old key's presignatures deleted. False (nothing changed) when the
   * account is not active under `fromKeyId`.
   */
  rekey(
    accountId: string,
    fromKeyId: string,
    to: { keyId: string; threshold: number; parties: AccountParty[] },
  ): Promise<boolean>;
  get(accountId: string): Promise<AccountRow | undefined>;
  /** The accounts whose current key id is one of `keyIds` (64 hex each). */
  byKeyIds(keyIds: readonly string[]): Promise<AccountRow[]>;
  /** Newest first. */
  byUser(userId: string): Promise<AccountRow[]>;
}

/** Session row status. */
export type SessionStatus = 'pending' | 'running' | 'completed' | 'failed';

/** A keygen or signing session. */
export interface SessionRow {
  /** 64 hex. */
  sessionId: string;
  kind: SessionKind;
  accountId: string;
  status: SessionStatus;
  parties: { partyId: string; index: number }[];
  /** `0x` + 64 hex for signing. */
  messageHash: string | null;
  /** 1 for a first attempt, 2 for the retry. */
  attempt: number;
  /** The session this one retries. */
  retryOf: string | null;
  /** The signed record bytes as announced. */
  record: Uint8Array;
  /** JSON result (e.g. `{publicKey}` or the signature view). */
  result: Record<string, unknown> | null;
  /** Failure, with culprit peer ids. */
  error: { code: string; message: string; culprits?: string[] } | null;
  createdAt: Date;
  updatedAt: Date;
}

/** One append-only event of a session. */
export interface SessionEventRow {
  id: number;
  sessionId: string;
  type: string;
  partyId: string | null;
  detail: Record<string, unknown>;
  at: Date;
}

/** Sessions and their append-only event log (the table refuses UPDATE and DELETE). */
/** A session row as it starts: what the orchestrator knows before the session ends. */
export type NewSession = Omit<SessionRow, 'status' | 'result' | 'error' | 'createdAt' | 'updatedAt'>;

/** An event to append to a session's log, stamped with the time it happened. */
export interface SessionEventInput {
  type: string;
  detail?: Record<string, unknown>;
  partyId?: string;
  at: Date;
}

/** A session written once it has ended: its row, its end, its events (see {@link SessionRepo.insertEnded}). */
export interface EndedSession {
  readonly row: NewSession;
  readonly end: { status: SessionStatus; outcome?: { result?: Record<string, unknown>; error?: SessionRow['error'] } };
  readonly events: readonly SessionEventInput[];
  /** The presignature this session used: its inventory row is deleted in the same statement. */
  readonly consumes?: string;
}

export interface SessionRepo {
  /**
   * Inserts a new session; with `consumes`, deletes that presignature's inventory row in the same statement (a
   * signing from it: one round trip for both).
   */
  insert(s: NewSession, consumes?: string): Promise<void>;
  /**
   * Inserts sessions that have ended already, each with its end (status, result or error) and its events, in one
   * statement for all of them; each one's `consumes` (a signing from a presignature) deletes that presignature's
   * inventory row in it too.
   */
  insertEnded(sessions: readonly EndedSession[]): Promise<void>;
  /**
   * Moves a session to `status`, with its result or error; `events` (appended first, in order, each with the time
   * it happened) go in the same statement.
   */
  finish(
    sessionId: string,
    status: SessionStatus,
    outcome?: { result?: Record<string, unknown>; error?: SessionRow['error'] },
    events?: readonly SessionEventInput[],
  ): Promise<void>;
  get(sessionId: string): Promise<SessionRow | undefined>;
  appendEvent(sessionId: string, type: string, detail?: Record<string, unknown>, partyId?: string): Promise<void>;
  /** Appends several events in one statement, in order, each with the time it happened. */
  appendEvents(sessionId: string, events: readonly SessionEventInput[]): Promise<void>;
  /** Oldest first. */
  events(sessionId: string): Promise<SessionEventRow[]>;
  /** How many sessions of `kind` ended with `status` (health/metrics). */
  count(kind: SessionKind, status: SessionStatus): Promise<number>;
}

/** How a party was admitted: configuration (flag/env), a one-time join token, or a reusable pool secret. */
export type Admission = 'config' | 'token' | 'pool';

/** A party as the database knows it. */
export interface PartyRow {
  partyId: string;
  role: PartyRole;
  version: string | null;
  addresses: string[];
  status: 'online' | 'offline';
  lastSeen: Date | null;
  /** How it was admitted: by configuration (flag/env), by a join token or by a pool secret. */
  admittedBy: Admission;
}

/** Parties and presence. */
export interface PartyRepo {
  /** Records a registration: role, version, addresses, online, last seen now (inserts or updates). */
  registered(p: { partyId: string; role: PartyRole; version: string; addresses: string[] }): Promise<void>;
  /** Sets offline and last seen now. */
  offline(partyId: string): Promise<void>;
  /** Updates last seen (e.g. a result arrived). */
  seen(partyId: string): Promise<void>;
  /** Sets every party offline (at coordinator start: presence is not carried across restarts). */
  allOffline(): Promise<void>;
  list(): Promise<PartyRow[]>;
  /**
   * Remembers how a party was admitted, so a token admission lasts across restarts; `role` is the role its join
   * token fixed (none for a configured peer, which registers with the role it is started with). A revoked
   * party is left revoked.
   */
  admit(partyId: string, by: Admission, role?: PartyRole): Promise<void>;
  /**
   * Peer ids admitted by a join token or a pool secret and not revoked (config ones come from configuration each
   * start).
   */
  admittedByToken(): Promise<string[]>;
  /** The parties whose role their join token fixed, with that role (revoked ones left out). */
  fixedRoles(): Promise<[string, PartyRole][]>;
  /** Marks a known party revoked (the first time counts); its revocation time, or undefined for an unknown id. */
  revoke(partyId: string, at: Date): Promise<Date | undefined>;
  /** Peer ids of revoked parties. */
  revoked(): Promise<string[]>;
}

/** Counts API-key use, by a hash of the key (never the key). */
export interface ApiKeyRepo {
  /** Adds `count` (default 1) uses of the key, last used now. */
  recordUse(keyHash: string, count?: number): Promise<void>;
  /** Uses and last use of a key hash. */
  usage(keyHash: string): Promise<{ uses: number; lastUsed: Date } | undefined>;
}

/** Where an `Idempotency-Key` stands. */
export type IdempotencyState =
  | { state: 'new' }
  | { state: 'in-progress' }
  | { state: 'done'; status: number; body: unknown }
  | { state: 'mismatch' };

/**
 * Idempotency keys, scoped by API-key hash: `begin` claims a key atomically (`new`), or reports that the first
 * request is still running, has finished (with its stored response), or had a different method/path/body.
 */
export interface IdempotencyRepo {
  begin(scope: string, key: string, requestHash: string): Promise<IdempotencyState>;
  /** Stores the response of a claimed key. */
  complete(scope: string, key: string, status: number, body: unknown): Promise<void>;
  /** Releases a claimed key whose request failed in a way worth retrying (5xx), so a retry does the work. */
  release(scope: string, key: string): Promise<void>;
}

/** One-time join tokens, stored as hashes. */
export interface JoinTokenRepo {
  /** Stores a token's hash, its expiry and the role it admits a party with. @default role persistent */
  create(tokenHash: string, expiresAt: Date, role?: PartyRole): Promise<void>;
  /**
   * Atomically marks an unexpired, unused token used by `partyId`; the role the token admits, or undefined when
   * there is no such token.
   */
  redeem(tokenHash: string, partyId: string, now: Date): Promise<PartyRole | undefined>;
  /** How many unused, unexpired tokens exist. */
  outstanding(now: Date): Promise<number>;
}

/** A keygen the previous coordinator process left pending, now failed: its parties discard their shares. */
export interface AbandonedKeygen {
  accountId: string;
  /** Hex. */
  keyId: string;
  /** The keygen session (hex). */
  sessionId: string;
  partyIds: string[];
}

/** Unfinished work of a previous coordinator process (see recovery.ts). */
export interface RecoveryRepo {
  /**
   * Fails every pending/running session (reason in its event log) and pending account, and releases every
   * in-progress idempotency claim; resolves with what it did (the keygens, for their parties' shares).
   */
  failUnfinished(): Promise<{ sessions: number; accounts: AbandonedKeygen[]; idempotencyClaims: number }>;
}

/** All repositories over one pool. */
/** One presignature the parties hold, as the coordinator's inventory records it. */
export interface PresignatureRow {
  /** The presign session's id, 64 hex: what a signing's record names. */
  presignatureId: string;
  accountId: string;
  /** The key it was made with (64 hex): usable only while the account has this key. */
  keyId: string;
  /** Its signer set, in index order: usable only by exactly these parties at these indices. */
  signers: { partyId: string; index: number }[];
  /** `0x` + 66 hex: its nonce point R, as every signer reported it. */
  r: string;
  createdAt: Date;
}

/** The presignature inventory (presignatures.ts). */
export interface PresignatureRepo {
  /** Adds a row; false (nothing added) when the account is no longer active under `row.keyId`. */
  insert(row: Omit<PresignatureRow, 'createdAt'>): Promise<boolean>;
  /** The rows of the account's key `keyId`, oldest first. */
  ofAccount(accountId: string, keyId: string): Promise<PresignatureRow[]>;
  /** The accounts a pool may fill: active, every share held by the cluster (custody `server`), oldest first. */
  poolAccounts(): Promise<string[]>;
}

export interface Repositories {
  accounts: AccountRepo;
  presignatures: PresignatureRepo;
  sessions: SessionRepo;
  parties: PartyRepo;
  apiKeys: ApiKeyRepo;
  idempotency: IdempotencyRepo;
  joinTokens: JoinTokenRepo;
  recovery: RecoveryRepo;
  /** True when `SELECT 1` answers within a second. */
  ping(): Promise<boolean>;
}
