/**
 * The party node's store: one LevelDB directory holding the node's identity key, key shares (pending until the
 * coordinator commits), the log of used session ids, peer bans, and — through {@link ShareStore.pairs},
 * {@link ShareStore.presignatures} and {@link ShareStore.frozenKeys} — pair states with their burnt flags,
 * presignatures and frozen keys.
 *
 * Every value holding secret material is sealed (AES-256-GCM, sealed.ts) under the at-rest sub-key of the master
 * key with its record key as AAD; public facts (share metadata, bans, flags, used session ids) are plain JSON so
 * operators can list them. Multi-record updates go through one `batch`, which LevelDB applies atomically, and
 * every write is synchronous (fsync), so an acknowledged write survives a crash and a crash mid-step leaves
 * either the old or the new state (vault.ts). The store never deletes a share or a pair state by itself.
 */
import { mkdirSync } from 'node:fs';
import { Level } from 'level';
import { equalBytes, fromHex, toHex } from '../../protocols/common/bytes.js';
import { encodePoint } from '../../protocols/common/curve.js';
import { decodeKeyShare, encodeKeyShare, type KeyShare } from '../../protocols/dkls23/key-share.js';
import { curveBackend } from '../runtime/curve-backend.js';
import type { MasterKey } from '../runtime/master-key.js';
import { StoreError } from './errors.js';
import { FrozenKeys } from './frozen-keys.js';
import { PairStates } from './pair-states.js';
import { Presignatures } from './presignatures.js';
import { decodeJson, encodeJson, recordKey, recordPrefix } from './records.js';
import { restoreSnapshot, type SnapshotRecord, takeSnapshot } from './snapshot.js';
import type { BanInfo, ShareInfo, ShareStatus, StoredShare } from './types.js';
import { type UserShareBinding, UserShareSealer } from './user-share.js';
import { type Op, Vault } from './vault.js';

/** Options of {@link ShareStore.open}. */
export interface ShareStoreOptions {
  /** Clock for the timestamps in plaintext records (tests pass a fixed one). */
  now?: () => Date;
  /**
   * Presignatures per key to take out of the store ahead of their use and hold in memory, so that a signing
   * from one writes nothing (src/store/presignatures.ts). A party node arms; tools that open a store (backup,
   * inspection) do not. @default 0
   */
  armPresignatures?: number;
}

/** Plaintext of the master-key check record (not secret: it only proves the key decrypts this directory). */
const CHECK_PLAINTEXT = new TextEncoder().encode('mpc-custody party store v1');

interface ShareInfoJson {
  keyId: string;
  publicKey: string;
  threshold: number;
  n: number;
  index: number;
  status: ShareStatus;
  createdAt: string;
  committedAt?: string;
  /** A reshare's new share: the key id (hex) of the share it replaces, deleted when this one is committed. */
  replaces?: string;
}

/** A reshare's note that this party leaves the key (see `recordKey.retire`). */
interface RetireJson {
  fromKeyId: string;
  createdAt: string;
}

/** The encrypted LevelDB store of one party node; see the module comment. One instance per directory. */
export class ShareStore {
  /** Pair states with peer nodes, and their burnt flags. */
  readonly pairs: PairStates;
  /** Presignatures, each for one use. */
  readonly presignatures: Presignatures;
  /** Keys frozen after a failed final signature verification. */
  readonly frozenKeys: FrozenKeys;
  /** Told of every share a reshare's commit deleted (see {@link onShareRetired}). */
  private readonly retiredListeners = new Set<(keyId: Uint8Array) => void>();

  private constructor(
    private readonly vault: Vault,
    private readonly userShares: UserShareSealer,
    armPresignatures: number,
  ) {
    this.pairs = new PairStates(vault);
    this.presignatures = new Presignatures(vault, armPresignatures);
    this.frozenKeys = new FrozenKeys(vault);
  }

  /**
   * Opens (creating if needed) the store in `dir`. Throws {@link StoreError} `DECRYPT_FAILED` when the
   * directory was created under another master key, so a wrong key stops the node at start, not mid-session.
   */
  static async open(dir: string, masterKey: MasterKey, options: ShareStoreOptions = {}): Promise<ShareStore> {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const db = new Level<string, Uint8Array>(dir, { valueEncoding: 'view' });
    try {
      await db.open();
    } catch (e) {
      if ((e as { cause?: { code?: string } }).cause?.code === 'LEVEL_LOCKED') {
        throw new StoreError(
          'LOCKED',
          `${dir} is in use by another process (is the party node running? stop it first)`,
        );
      }
      throw e;
    }
    const vault = new Vault(db, masterKey.subKey('atRest'), options.now ?? (() => new Date()));
    const store = new ShareStore(vault, new UserShareSealer(masterKey), options.armPresignatures ?? 0);
    try {
      await store.checkMasterKey();
    } catch (e) {
      await db.close();
      throw e;
    }
    return store;
  }

  /**
   * Puts the armed presignatures back (src/store/presignatures.ts), waits for pending burn flags, then closes the
   * database. The caller has stopped taking work: nothing is given out from memory once this begins.
   */
  async close(): Promise<void> {
    try {
      await this.presignatures.putBack();
    } finally {
      await this.pairs.flushBurns();
      await this.vault.close();
    }
  }

  /** The directory the store lives in. */
  get location(): string {
    return this.vault.location;
  }

  // ---- identity ------------------------------------------------------------------------------------------

  /** Stores the node's identity (libp2p private) key; refuses to replace one unless `replace` is set. */
  async putIdentity(key: Uint8Array, options: { replace?: boolean } = {}): Promise<void> {
    if (key.length === 0) throw new StoreError('INVALID_ARGUMENT', 'identity key must not be empty');
    const k = recordKey.identity();
    await this.vault.lock.run(k, async () => {
      if (!options.replace && (await this.vault.has(k))) {
        throw new StoreError('ALREADY_EXISTS', 'the node already has an identity key');
      }
      await this.vault.put(k, this.vault.seal(k, key));
    });
  }

  /** The node's identity key, or undefined before `init`. */
  async getIdentity(): Promise<Uint8Array | undefined> {
    return this.vault.getSealed(recordKey.identity(), 'identity key');
  }

  // ---- key shares ----------------------------------------------------------------------------------------

  /**
   * Stores a keygen (or reshare) result as pending (share sealed, public facts in plaintext, one atomic batch).
   * Refuses a keyId that already has a share: overwriting one, even a pending one, could destroy the only copy.
   * `replaces`: the key id of this party's share that a reshare's new share replaces; the commit deletes it.
   */
  async putPendingShare(share: KeyShare, options: { replaces?: Uint8Array } = {}): Promise<void> {
    const k = recordKey.share(share.keyId);
    const infoKey = recordKey.shareInfo(share.keyId);
    await this.vault.lock.run(k, async () => {
      if ((await this.vault.has(infoKey)) || (await this.vault.has(k))) {
        throw new StoreError('ALREADY_EXISTS', `a share of key ${toHex(share.keyId)} is already stored`);
      }
      const info: ShareInfoJson = {
        keyId: toHex(share.keyId),
        publicKey: toHex(encodePoint(share.publicKey)),
        threshold: share.threshold,
        n: share.n,
        index: share.index,
        status: 'pending',
        createdAt: this.vault.now().toISOString(),
        ...(options.replaces ? { replaces: toHex(options.replaces) } : {}),
      };
      const plain = encodeKeyShare(share);
      try {
        await this.vault.batch([
          { type: 'put', key: k, value: this.vault.seal(k, plain) },
          { type: 'put', key: infoKey, value: encodeJson(info) },
        ]);
      } finally {
        plain.fill(0);
      }
    });
  }

  /**
   * Notes that this party leaves the key a reshare replaces: when the coordinator commits the new key `keyId`,
   * this party's share of `fromKeyId` is deleted (see {@link commitShare}); an abort only drops the note.
   */
  async putRetirement(keyId: Uint8Array, fromKeyId: Uint8Array): Promise<void> {
    const k = recordKey.share(keyId);
    await this.vault.lock.run(k, async () => {
      if (await this.vault.has(recordKey.shareInfo(keyId))) {
        throw new StoreError('ALREADY_EXISTS', `a share of key ${toHex(keyId)} is stored: this party does not leave`);
      }
      const note: RetireJson = { fromKeyId: toHex(fromKeyId), createdAt: this.vault.now().toISOString() };
      await this.vault.putJson(recordKey.retire(keyId), note);
    });
  }

  /**
   * Deletes the share of `keyId` when it is still pending (the coordinator's signed abort: the account failed,
   * the key is never used), or a reshare's retirement note for it (the old share stays). True when one was
   * deleted; a committed share is never touched.
   */
  async discardPendingShare(keyId: Uint8Array): Promise<boolean> {
    const k = recordKey.share(keyId);
    const infoKey = recordKey.shareInfo(keyId);
    return this.vault.lock.run(k, async () => {
      if (await this.vault.has(recordKey.retire(keyId))) {
        await this.vault.batch([{ type: 'del', key: recordKey.retire(keyId) }]);
        return true;
      }
      const info = await this.vault.getJson<ShareInfoJson>(infoKey);
      if (info?.status !== 'pending') return false;
      await this.vault.batch([
        { type: 'del', key: k },
        { type: 'del', key: infoKey },
      ]);
      return true;
    });
  }

  /**
   * Deletes the shares of `keyIds` that are still pending, in one atomic batch (a committed share, or one that is
   * gone, is left alone); returns the key ids deleted. For the stale pending shares whose keygens the coordinator
   * says failed (see src/party/stale-shares.ts).
   */
  async discardPendingShares(keyIds: readonly Uint8Array[]): Promise<Uint8Array[]> {
    // distinct, in one order (two callers never wait on each other's locks)
    const keys = [...new Map(keyIds.map((k) => [toHex(k), k])).entries()].sort(([a], [b]) => a.localeCompare(b));
    // every key's lock is held across the check and the one batch, so that no commit slips in between
    const locked = async (i: number): Promise<Uint8Array[]> => {
      const next = keys[i];
      if (next) return this.vault.lock.run(recordKey.share(next[1]), () => locked(i + 1));
      const pending: Uint8Array[] = [];
      for (const [, keyId] of keys) {
        const info = await this.vault.getJson<ShareInfoJson>(recordKey.shareInfo(keyId));
        if (info?.status === 'pending') pending.push(keyId);
      }
      if (pending.length > 0) {
        await this.vault.batch(
          pending.flatMap((keyId) => [
            { type: 'del' as const, key: recordKey.share(keyId) },
            { type: 'del' as const, key: recordKey.shareInfo(keyId) },
          ]),
        );
      }
      return pending;
    };
    return locked(0);
  }

  /**
   * The coordinator's commit of `keyId`: marks its pending share committed — and when a reshare made it, deletes
   * the share it replaces in the same atomic batch — or, when this party left the key in that reshare, deletes
   * its share of the old key. Either way the old key's presignatures go too. Resolves with the key id whose
   * share was deleted, if any. Idempotent; `NOT_FOUND` when this party has nothing of `keyId`.
   */
  async commitShare(keyId: Uint8Array): Promise<{ retired?: Uint8Array }> {
    const k = recordKey.share(keyId);
    const infoKey = recordKey.shareInfo(keyId);
    return this.vault.lock.run(k, async () => {
      const info = await this.vault.getJson<ShareInfoJson>(infoKey);
      if (info === undefined) {
        const note = await this.vault.getJson<RetireJson>(recordKey.retire(keyId));
        if (note === undefined) throw new StoreError('NOT_FOUND', `no share of key ${toHex(keyId)}`);
        const old = fromHex(note.fromKeyId);
        await this.retire(old, [{ type: 'del', key: recordKey.retire(keyId) }]);
        return { retired: old };
      }
      if (info.status === 'committed') return {};
      const { v: _v, replaces, ...fields } = info;
      const committed: Op = {
        type: 'put',
        key: infoKey,
        value: encodeJson({ ...fields, status: 'committed', committedAt: this.vault.now().toISOString() }),
      };
      if (replaces === undefined) {
        await this.vault.batch([committed]);
        return {};
      }
      const old = fromHex(replaces);
      await this.retire(old, [committed]);
      return { retired: old };
    });
  }

  /**
   * Calls `listener` with the key id of every share a commit deletes (after the delete), so that whoever keeps
   * shares in memory drops it. Returns the unsubscribe function.
   */
  onShareRetired(listener: (keyId: Uint8Array) => void): () => void {
    this.retiredListeners.add(listener);
    return () => this.retiredListeners.delete(listener);
  }

  /** Deletes the share of `keyId` and its presignatures together with `ops`, in one batch under its lock. */
  private async retire(keyId: Uint8Array, ops: Op[]): Promise<void> {
    this.presignatures.forgetKey(keyId);
    await this.vault.lock.run(recordKey.share(keyId), async () => {
      const presigs: Op[] = [];
      for await (const key of this.vault.keys(recordPrefix.presig(keyId))) presigs.push({ type: 'del', key });
      await this.vault.batch([
        ...ops,
        { type: 'del', key: recordKey.share(keyId) },
        { type: 'del', key: recordKey.shareInfo(keyId) },
        ...presigs,
      ]);
    });
    for (const listener of this.retiredListeners) listener(keyId);
  }

  /**
   * The share of `keyId` and its status, or undefined if none is stored. Read under the key's lock: a commit or
   * discard deletes the share and its metadata in one batch, and two reads around it would see half of it.
   */
  async getShare(keyId: Uint8Array): Promise<StoredShare | undefined> {
    const k = recordKey.share(keyId);
    const [info, plain] = await this.vault.lock.run(
      k,
      async () =>
        [
          await this.vault.getJson<ShareInfoJson>(recordKey.shareInfo(keyId)),
          await this.vault.getSealed(k, `share of key ${toHex(keyId)}`),
        ] as const,
    );
    if (info === undefined && plain === undefined) return undefined;
    if (info === undefined || plain === undefined) {
      throw new StoreError('CORRUPT_RECORD', `key ${toHex(keyId)} has a share without its metadata or vice versa`);
    }
    let share: KeyShare;
    try {
      share = decodeKeyShare(plain, curveBackend());
    } catch (e) {
      throw new StoreError('CORRUPT_RECORD', `share of key ${toHex(keyId)} does not decode`, { cause: e });
    } finally {
      plain.fill(0);
    }
    // The plaintext metadata is not authenticated; refuse a share whose listing says something else.
    if (
      !equalBytes(share.keyId, keyId) ||
      share.index !== info.index ||
      share.threshold !== info.threshold ||
      share.n !== info.n ||
      toHex(encodePoint(share.publicKey)) !== info.publicKey
    ) {
      throw new StoreError('CORRUPT_RECORD', `metadata of key ${toHex(keyId)} does not match its share`);
    }
    return { share, status: info.status };
  }

  /** The public facts of every stored share (no decryption, no secret), in keyId order. */
  async listShares(): Promise<ShareInfo[]> {
    const out: ShareInfo[] = [];
    for await (const [key, value] of this.vault.entries(recordPrefix.shareInfo)) {
      const j = decodeJson<ShareInfoJson>(value, key);
      out.push({
        keyId: fromHex(j.keyId),
        publicKey: fromHex(j.publicKey),
        threshold: j.threshold,
        n: j.n,
        index: j.index,
        status: j.status,
        createdAt: j.createdAt,
        ...(j.committedAt === undefined ? {} : { committedAt: j.committedAt }),
      });
    }
    return out;
  }

  // ---- delegate user shares ------------------------------------------------------------------------------

  /** Seals a delegate party's share for the caller, bound to `accountId` (not stored); see user-share.ts. */
  sealUserShare(share: KeyShare, accountId: string): Uint8Array {
    return this.userShares.seal(share, accountId);
  }

  /** Opens a user share passed back by the caller, in memory only; `DECRYPT_FAILED` unless sealed for `binding`. */
  openUserShare(blob: Uint8Array, binding: UserShareBinding): KeyShare {
    return this.userShares.open(blob, binding);
  }

  // ---- used session ids ----------------------------------------------------------------------------------

  /**
   * Records that `sessionId` was accepted for `keyId`; throws {@link StoreError} `SESSION_REPLAYED` if it was
   * before. Calls for one key are serialised, so of two concurrent calls with the same id exactly one succeeds.
   * The record is on disk when this resolves: mark first, then run the session.
   */
  async markSessionUsed(keyId: Uint8Array, sessionId: Uint8Array): Promise<void> {
    const k = recordKey.session(keyId, sessionId);
    await this.vault.lock.run(`sid/${toHex(keyId)}`, async () => {
      if (await this.vault.has(k)) {
        throw new StoreError(
          'SESSION_REPLAYED',
          `session ${toHex(sessionId)} was already used for key ${toHex(keyId)}`,
        );
      }
      await this.vault.putJson(k, { at: this.vault.now().toISOString() });
    });
  }

  /** Whether `sessionId` was already accepted for `keyId`. */
  async isSessionUsed(keyId: Uint8Array, sessionId: Uint8Array): Promise<boolean> {
    return this.vault.has(recordKey.session(keyId, sessionId));
  }

  // ---- bans ----------------------------------------------------------------------------------------------

  /** Bans a peer node until an operator lifts it. Returns false if it was already banned (the first reason stays). */
  async ban(peerId: Uint8Array, reason: string): Promise<boolean> {
    return this.vault.raise(recordKey.ban(peerId), reason);
  }

  /** Lifts a ban (operator command only). Returns false if the peer was not banned. */
  async unban(peerId: Uint8Array): Promise<boolean> {
    return this.vault.lower(recordKey.ban(peerId));
  }

  /** Whether `peerId` is banned. */
  async isBanned(peerId: Uint8Array): Promise<boolean> {
    return this.vault.has(recordKey.ban(peerId));
  }

  /** Every ban, in peer-id order. */
  async listBans(): Promise<BanInfo[]> {
    const flags = await this.vault.flags(recordPrefix.ban);
    return flags.map(({ rest, reason, at }) => ({ peerId: fromHex(rest), reason, at }));
  }

  // ---- backup --------------------------------------------------------------------------------------------

  /** A consistent copy of every record worth restoring, secret values opened (snapshot.ts says what is left out). */
  snapshot(): Promise<SnapshotRecord[]> {
    return takeSnapshot(this.vault);
  }

  /** Writes a snapshot into this store, which must be new; `ALREADY_EXISTS` otherwise. */
  restore(records: readonly SnapshotRecord[]): Promise<void> {
    return restoreSnapshot(this.vault, records);
  }

  // ---- internals -----------------------------------------------------------------------------------------

  /** Writes the check record on first open; on later opens, proves the master key decrypts it. */
  private async checkMasterKey(): Promise<void> {
    const k = recordKey.check();
    const stored = await this.vault.get(k);
    if (stored === undefined) {
      await this.vault.put(k, this.vault.seal(k, CHECK_PLAINTEXT));
      return;
    }
    try {
      this.vault.open(k, stored, 'check record');
    } catch (e) {
      throw new StoreError(
        'DECRYPT_FAILED',
        `the master key does not decrypt the store in ${this.vault.location}: it was created with another master key`,
        { cause: e },
      );
    }
  }
}
