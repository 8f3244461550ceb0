/**
 * Presignature pools: signatures in one online round. When the coordinator is idle (no keygen, signing or
 * reshare request served for a moment, not draining), the filler tops up each active account whose shares the
 * cluster holds (custody `server`; a hybrid key's user share comes back with each request, so it is never
 * presigned) to `size` presignatures for a signer set that can sign now: one presign session at a time, through
 * the same attempts, journal and judge machinery as every session (presign-judge.ts: every signer reports the
 * same R). Each party keeps its part sealed (src/party/presign-jobs.ts); the coordinator keeps one inventory row
 * per presignature (db/presignatures.ts): its key, its signer set, R.
 *
 * A signing (of the account key or of a BIP32 child: the online round adds the child's tweak, and every party
 * re-randomises R with the online session's id) is one exchange with each signer: the record goes out, each
 * signer answers with its online share, and the coordinator combines them and verifies the signature
 * (judges.ts `onlineJudge`). It takes the oldest row whose key is the account's current key and
 * whose whole signer set is online,
 * holds no banned pair and includes the parties the request requires; taking it is synchronous here (two
 * signings never get the same row) and the row is deleted in the database off the request path, in the statement
 * that inserts the signing's session row. Its record names
 * the presignature and only the online round runs. A party that lacks it (`NOT_FOUND`, `PRESIGNATURE_USED`,
 * `PRESIGNATURE_SIGNERS`) or an attempt that ends for unavailability sends the request on to a full signing
 * (journaled); a failed protocol check is final, as in a full signing. A refresh or reshare deletes the account's
 * rows (accounts.rekey) and {@link PresignPool.forget} drops them here.
 */
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import type { Log } from '../../src/runtime/logger.js';
import type { AccountRow, PresignatureRow, Repositories } from '../db/types.js';
import type { SignatureView } from '../service.js';
import { type PartyIndex, partyAtIndex, type Verdict } from './attempt.js';
import type { BannedPair } from './banned-pairs.js';
import type { SignRules } from './choice.js';
import { onlineJudge } from './judges.js';
import type { PartyNetwork } from './orchestrator.js';
import { recordOutcome, verdictError } from './outcome.js';
import { presignJudge } from './presign-judge.js';
import type { SessionRuns } from './runs.js';
import { sessionRecord } from './session-record.js';
import type { SigningKey } from './signing-key.js';

/** How often the filler looks for work while idle, after a signing took a presignature. */
export const FILL_TICK_MS = 250;
/**
 * How often the filler passes over every account when nothing was taken since its last pass (new accounts,
 * parties back online): a pass reads each account, so it does not run every tick.
 */
export const FULL_PASS_MS = 5_000;
/** First pause of an account after a failed presign session; doubled per failure up to {@link MAX_BACKOFF_MS}. */
export const MIN_BACKOFF_MS = 2_000;
/** Longest pause of an account after failed presign sessions. */
export const MAX_BACKOFF_MS = 60_000;

/** Codes with which a party says it lacks the presignature a signing named: the request falls back. */
export const MISSING_PRESIGNATURE_CODES: ReadonlySet<string> = new Set([
  'NOT_FOUND',
  'PRESIGNATURE_USED',
  'PRESIGNATURE_SIGNERS',
]);

/** What a {@link PresignPool} needs. */
export interface PresignPoolInit {
  /** Presignatures to keep per account (> 0). */
  readonly size: number;
  readonly runs: SessionRuns;
  readonly network: PartyNetwork;
  readonly repos: Repositories;
  readonly log: Log;
  /** Deadline of one presign or online attempt. */
  readonly timeoutMs: number;
  /** True when no request is served and none was for a moment, and the coordinator is not draining. */
  idle(): boolean;
  /** Online and taking sessions. */
  online(partyId: string): boolean;
  /** The banned pairs the parties reported. */
  bannedPairs(): BannedPair[];
  /** The signer set a signing of `account` under `rules` would choose now (throws when there is none). */
  pickSigners(account: AccountRow, rules: SignRules): PartyIndex[];
}

/** The inventory of one account, for one key. */
interface Inventory {
  readonly keyId: string;
  readonly rows: PresignatureRow[];
}

/** What a presigned signing attempt came to: the signature, or a full signing to run (after this session). */
export type PresignedOutcome = { kind: 'signed'; view: SignatureView } | { kind: 'fallback'; retryOf: string | null };

/** The filler and the inventory; see the module comment. */
export class PresignPool {
  private readonly inventories = new Map<string, Promise<Inventory>>();
  private readonly backoff = new Map<string, { until: number; ms: number }>();
  private stopped = false;
  /** A presignature was taken (or an inventory dropped) since the last pass: the next tick passes again. */
  private dirty = true;
  private lastPass = 0;
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;

  constructor(private readonly o: PresignPoolInit) {}

  /** Starts the filler. */
  start(): void {
    this.loop ??= this.fillForever();
  }

  /** Stops the filler and waits for the presign session it runs, if any. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
  }

  /** The account moved to a new key (refresh, reshare): its rows are gone from the database, and here. */
  forget(accountId: string): void {
    this.inventories.delete(accountId);
    this.dirty = true;
  }

  /** How many presignatures the account's current key has in the inventory. */
  async count(account: AccountRow): Promise<number> {
    return (await this.inventory(account)).rows.length;
  }

  /**
   * Takes a presignature the signing of `account` under `rules` may use now, or undefined: the oldest whose
   * signer set is online, unbanned and includes the required parties. Its row is deleted off the request path,
   * with the insert of the session that uses it ({@link sign}).
   */
  async take(account: AccountRow, rules: SignRules): Promise<PresignatureRow | undefined> {
    if (account.custody !== 'server' || rules.userShare) return undefined;
    const inv = await this.inventory(account);
    const at = inv.rows.findIndex((row) => this.usable(row, account, rules));
    if (at < 0) return undefined;
    const [row] = inv.rows.splice(at, 1) as [PresignatureRow];
    this.dirty = true;
    return row;
  }

  /**
   * Signs `hash` for `account` from `row`: only the online round runs. The signature is verified under the
   * account key before it is released (the signing judge). A party lacking the presignature, or an attempt that
   * ended for unavailability, gives `fallback`; a failed check throws as a full signing's would.
   */
  async sign(
    account: AccountRow,
    row: PresignatureRow,
    hash: Uint8Array,
    key: SigningKey,
    timeoutMs: number,
  ): Promise<PresignedOutcome> {
    const { publicKey, derivationPath } = key;
    const { runs } = this.o;
    const signers = this.indexed(account, row);
    const record = sessionRecord(
      this.o.network,
      'sign',
      hexToBytes(account.keyId),
      account.threshold,
      signers,
      timeoutMs,
      {
        messageHash: hash,
        presignature: hexToBytes(row.presignatureId),
        ...(key.steps.length > 0 ? { derivationPath: key.steps } : {}),
      },
    );
    const sessionId = bytesToHex(record.sessionId);
    const partyIds = signers.map((p) => p.partyId);
    const started = performance.now();
    const signed = runs.sign(record);
    // the inventory row goes in the same statement as the session row
    const journal = runs.journal(signed, account.accountId, partyIds, 1, null, row.presignatureId);
    journal.event('presignature', { presignatureId: row.presignatureId });
    const ids = { accountId: account.accountId, sessionId, derivationPath };
    const verdict = await runs.run(
      signed,
      partyIds,
      onlineJudge(hash, publicKey, ids, partyIds.length, partyAtIndex(record, partyIds)),
      timeoutMs,
      journal,
    );
    runs.settleSign(journal, verdict, started);
    if (verdict.kind === 'ok') return { kind: 'signed', view: verdict.value };
    if (verdict.kind === 'timeout' || MISSING_PRESIGNATURE_CODES.has(verdict.code)) {
      journal.event('fallback', { reason: verdict.kind === 'timeout' ? verdict.message : verdict.code });
      await journal.flush();
      this.o.log.warn(
        {
          session: sessionId,
          account: account.accountId,
          reason: verdict.kind === 'timeout' ? verdict.message : verdict.code,
        },
        'signing from a presignature did not run; a full signing follows',
      );
      return { kind: 'fallback', retryOf: sessionId };
    }
    await journal.flush();
    throw verdictError(verdict as Exclude<Verdict<unknown>, { kind: 'ok' }>, sessionId, 'signing');
  }

  /** The account's inventory for its current key (read from the database once per key). */
  private inventory(account: AccountRow): Promise<Inventory> {
    const known = this.inventories.get(account.accountId);
    if (known) {
      return known.then((inv) => {
        if (inv.keyId === account.keyId) return inv;
        this.inventories.delete(account.accountId);
        return this.inventory(account);
      });
    }
    const loading = this.o.repos.presignatures
      .ofAccount(account.accountId, account.keyId)
      .then((rows) => ({ keyId: account.keyId, rows }));
    this.inventories.set(account.accountId, loading);
    loading.catch(() => this.inventories.delete(account.accountId));
    return loading;
  }

  /** Whether `row` may serve a signing of `account` now. */
  private usable(row: PresignatureRow, account: AccountRow, rules: SignRules): boolean {
    if (row.keyId !== account.keyId || row.signers.length !== account.threshold) return false;
    const ids = new Set(row.signers.map((s) => s.partyId));
    for (const s of row.signers) {
      const p = account.parties.find((x) => x.partyId === s.partyId);
      if (!p || p.index !== s.index || p.role === 'delegate' || !this.o.online(s.partyId)) return false;
    }
    for (const id of rules.must) if (!ids.has(id)) return false;
    return !this.o.bannedPairs().some(([a, b]) => ids.has(a) && ids.has(b));
  }

  /** The signers of `row` as a record names them, with their roles now. */
  private indexed(account: AccountRow, row: PresignatureRow): PartyIndex[] {
    return row.signers.map((s) => {
      const role = this.o.network.get(s.partyId)?.role ?? account.parties.find((p) => p.partyId === s.partyId)?.role;
      return role ? { partyId: s.partyId, index: s.index, role } : { partyId: s.partyId, index: s.index };
    });
  }

  // ---- the filler --------------------------------------------------------------------------------------

  private mayWork(): boolean {
    return !this.stopped && this.o.idle();
  }

  private async fillForever(): Promise<void> {
    while (!this.stopped) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, FILL_TICK_MS);
        timer.unref();
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      if (!this.mayWork() || (!this.dirty && performance.now() - this.lastPass < FULL_PASS_MS)) continue;
      this.dirty = false;
      this.lastPass = performance.now();
      try {
        await this.fillAll();
      } catch (e) {
        this.o.log.warn({ error: String(e) }, 'presignature pool: could not fill');
      }
    }
  }

  private async fillAll(): Promise<void> {
    for (const accountId of await this.o.repos.presignatures.poolAccounts()) {
      if (!this.mayWork()) {
        this.dirty = true; // interrupted by a request: go on at the next idle tick
        return;
      }
      const pause = this.backoff.get(accountId);
      if (pause && Date.now() < pause.until) continue;
      const account = await this.o.repos.accounts.get(accountId);
      if (account?.status === 'active' && account.custody === 'server') await this.fill(account);
    }
  }

  /** Tops up one account's inventory to `size` usable presignatures while idle. */
  private async fill(account: AccountRow): Promise<void> {
    const rules: SignRules = { must: new Set(account.requiredParties), userShare: false };
    const inv = await this.inventory(account);
    let added = 0;
    while (this.mayWork()) {
      const usable = inv.rows.filter((r) => this.usable(r, account, rules));
      if (usable.length >= this.o.size) break;
      // the set of the newest usable presignature, else the one a signing would choose now
      const newest = usable.at(-1);
      let set: PartyIndex[];
      try {
        set = newest ? this.indexed(account, newest) : this.o.pickSigners(account, rules);
      } catch {
        break; // no signer set now: a later tick tries again
      }
      const row = await this.presignOnce(account, set);
      if (!row) break;
      if (this.inventories.has(account.accountId)) inv.rows.push(row);
      added++;
    }
    if (!this.mayWork()) this.dirty = true;
    if (added > 0) {
      this.o.log.info(
        { account: account.accountId, added, held: inv.rows.length, size: this.o.size },
        'presignature pool filled',
      );
    }
  }

  /** One presign session with `set`; the new row, or undefined (journaled; the account pauses, backing off). */
  private async presignOnce(account: AccountRow, set: PartyIndex[]): Promise<PresignatureRow | undefined> {
    const { runs, repos } = this.o;
    const record = sessionRecord(
      this.o.network,
      'presign',
      hexToBytes(account.keyId),
      account.threshold,
      set,
      this.o.timeoutMs,
    );
    const sessionId = bytesToHex(record.sessionId);
    const partyIds = set.map((p) => p.partyId);
    const started = performance.now();
    const signed = runs.sign(record);
    const journal = runs.journal(signed, account.accountId, partyIds, 1, null);
    const verdict = await runs.run(
      signed,
      partyIds,
      presignJudge(set.length, partyAtIndex(record, partyIds)),
      this.o.timeoutMs,
      journal,
    );
    recordOutcome(runs.sinks(journal), 'presign', verdict, started);
    if (verdict.kind !== 'ok') {
      const pause = Math.min(MAX_BACKOFF_MS, (this.backoff.get(account.accountId)?.ms ?? MIN_BACKOFF_MS / 2) * 2);
      this.backoff.set(account.accountId, { until: Date.now() + pause, ms: pause });
      this.o.log.warn(
        { session: sessionId, account: account.accountId, verdict: verdict.kind, pauseMs: pause },
        `presign session failed: ${verdict.message}; the account's pool pauses`,
      );
      return undefined;
    }
    this.backoff.delete(account.accountId);
    const r = `0x${bytesToHex(verdict.value.R)}`;
    journal.event('result', { r });
    journal.finish('completed', { result: { r } });
    const row = {
      presignatureId: sessionId,
      accountId: account.accountId,
      keyId: account.keyId,
      signers: set.map(({ partyId, index }) => ({ partyId, index })),
      r,
    };
    // an account rekeyed meanwhile takes no row of its old key
    return (await repos.presignatures.insert(row)) ? { ...row, createdAt: new Date() } : undefined;
  }
}
