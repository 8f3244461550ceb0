/**
 * The party node's store: one LevelDB directory holding the node's identity key, key shares (pending until the
 * coordinator commits), pair states, burnt pair-state flags, the log of used session ids, peer bans and
 * presignatures.
 *
 * Every value holding secret material is sealed (AES-256-GCM, sealed.ts) under the at-rest sub-key of the master
 * key with its record key as AAD; public facts (share metadata, bans, flags, used session ids) are plain JSON so
 * operators can list them. Multi-record updates go through one `batch`, which LevelDB applies atomically, and
 * every write is synchronous (fsync), so an acknowledged write survives a crash and a crash mid-step leaves
 * either the old or the new state. The store never deletes a share or a pair state by itself.
 */
import type { KeyObject } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { Level } from 'level';
import { equalBytes, fromHex, toHex } from '../../protocols/common/bytes.js';
import { encodePoint } from '../../protocols/common/curve.js';
import { decodeKeyShare, encodeKeyShare, type KeyShare } from '../../protocols/dkls23/key-share.js';
import { PairGuard } from '../../protocols/dkls23/pair-guard.js';
import { decodePairState, encodePairState, type PairState } from '../../protocols/dkls23/pair-state.js';
import type { Presignature } from '../../protocols/dkls23/sign.js';
import { curveBackend } from '../runtime/curve-backend.js';
import type { MasterKey } from '../runtime/master-key.js';
import { StoreError } from './errors.js';
import { KeyedLock } from './keyed-lock.js';
import { decodePresignature, encodePresignature } from './presignature-codec.js';
import { decodeJson, encodeJson, prefixRange, recordKey, recordPrefix } from './records.js';
import { open, seal } from './sealed.js';
import type { BanInfo, BurntInfo, ShareInfo, ShareStatus, StoredShare } from './types.js';
import { UserShareSealer } from './user-share.js';

/** Options of {@link ShareStore.open}. */
export interface ShareStoreOptions {
  /** Clock for the timestamps in plaintext records (tests pass a fixed one). */
  now?: () => Date;
}

/** Plaintext of the master-key check record (not secret: it only proves the key decrypts this directory). */
const CHECK_PLAINTEXT = new TextEncoder().encode('mpc-custody party store v1');
/** Every write is fsynced: losing an accepted session id or a fresh share on power loss is not acceptable. */
const SYNC = { sync: true } as const;

type Db = Level<string, Uint8Array>;
type Op = { type: 'put'; key: string; value: Uint8Array } | { type: 'del'; key: string };

interface ShareInfoJson {
  keyId: string;
  publicKey: string;
  threshold: number;
  n: number;
  index: number;
  status: ShareStatus;
  createdAt: string;
  committedAt?: string;
}

/** The encrypted LevelDB store of one party node; see the module comment. One instance per directory. */
export class ShareStore {
  private readonly lock = new KeyedLock();
  private readonly pendingBurns = new Set<Promise<void>>();

  private constructor(
    private readonly db: Db,
    private readonly atRest: KeyObject,
    private readonly userShares: UserShareSealer,
    private readonly now: () => Date,
  ) {}

  /**
   * Opens (creating if needed) the store in `dir`. Throws {@link StoreError} `DECRYPT_FAILED` when the
   * directory was created under another master key, so a wrong key stops the node at start, not mid-session.
   */
  static async open(dir: string, masterKey: MasterKey, options: ShareStoreOptions = {}): Promise<ShareStore> {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const db: Db = new Level<string, Uint8Array>(dir, { valueEncoding: 'view' });
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
    const store = new ShareStore(
      db,
      masterKey.subKey('atRest'),
      new UserShareSealer(masterKey),
      options.now ?? (() => new Date()),
    );
    try {
      await store.checkMasterKey();
    } catch (e) {
      await db.close();
      throw e;
    }
    return store;
  }

  /** Waits for pending burn flags, then closes the database. */
  async close(): Promise<void> {
    await this.flushBurns();
    await this.db.close();
  }

  /** The directory the store lives in. */
  get location(): string {
    return this.db.location;
  }

  // ---- identity ------------------------------------------------------------------------------------------

  /** Stores the node's identity (libp2p private) key; refuses to replace one unless `replace` is set. */
  async putIdentity(key: Uint8Array, options: { replace?: boolean } = {}): Promise<void> {
    if (key.length === 0) throw new StoreError('INVALID_ARGUMENT', 'identity key must not be empty');
    const k = recordKey.identity();
    await this.lock.run(k, async () => {
      if (!options.replace && (await this.db.get(k)) !== undefined) {
        throw new StoreError('ALREADY_EXISTS', 'the node already has an identity key');
      }
      await this.db.put(k, this.seal(k, key), SYNC);
    });
  }

  /** The node's identity key, or undefined before `init`. */
  async getIdentity(): Promise<Uint8Array | undefined> {
    return this.getSealed(recordKey.identity(), 'identity key');
  }

  // ---- key shares ----------------------------------------------------------------------------------------

  /**
   * Stores a keygen result as pending (share sealed, public facts in plaintext, one atomic batch). Refuses a
   * keyId that already has a share: overwriting one, even a pending one, could destroy the only copy.
   */
  async putPendingShare(share: KeyShare): Promise<void> {
    const k = recordKey.share(share.keyId);
    const infoKey = recordKey.shareInfo(share.keyId);
    await this.lock.run(k, async () => {
      if ((await this.db.get(infoKey)) !== undefined || (await this.db.get(k)) !== undefined) {
        throw new StoreError('ALREADY_EXISTS', `a share of key ${toHex(share.keyId)} is already stored`);
      }
      const info: ShareInfoJson = {
        keyId: toHex(share.keyId),
        publicKey: toHex(encodePoint(share.publicKey)),
        threshold: share.threshold,
        n: share.n,
        index: share.index,
        status: 'pending',
        createdAt: this.now().toISOString(),
      };
      const plain = encodeKeyShare(share);
      try {
        await this.batch([
          { type: 'put', key: k, value: this.seal(k, plain) },
          { type: 'put', key: infoKey, value: encodeJson(info) },
        ]);
      } finally {
        plain.fill(0);
      }
    });
  }

  /** Marks a pending share committed (the coordinator's commit). Idempotent; `NOT_FOUND` if no such share. */
  async commitShare(keyId: Uint8Array): Promise<void> {
    const k = recordKey.share(keyId);
    const infoKey = recordKey.shareInfo(keyId);
    await this.lock.run(k, async () => {
      const info = await this.getShareInfoJson(infoKey);
      if (info === undefined) throw new StoreError('NOT_FOUND', `no share of key ${toHex(keyId)}`);
      if (info.status === 'committed') return;
      const committed: ShareInfoJson = { ...info, status: 'committed', committedAt: this.now().toISOString() };
      await this.db.put(infoKey, encodeJson(committed), SYNC);
    });
  }

  /** The share of `keyId` and its status, or undefined if none is stored. */
  async getShare(keyId: Uint8Array): Promise<StoredShare | undefined> {
    const k = recordKey.share(keyId);
    const info = await this.getShareInfoJson(recordKey.shareInfo(keyId));
    const plain = await this.getSealed(k, `share of key ${toHex(keyId)}`);
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
    for await (const [key, value] of this.db.iterator(prefixRange(recordPrefix.shareInfo))) {
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

  /** Seals a delegate party's share for the caller (not stored); see user-share.ts. */
  sealUserShare(share: KeyShare): Uint8Array {
    return this.userShares.seal(share);
  }

  /** Opens a user share passed back by the caller, in memory only; `DECRYPT_FAILED` if not for (keyId, index). */
  openUserShare(blob: Uint8Array, keyId: Uint8Array, index: number): KeyShare {
    return this.userShares.open(blob, keyId, index);
  }

  // ---- pair states ---------------------------------------------------------------------------------------

  /**
   * Stores the pair state with its peer node. Replacing an existing one (a new pair setup after a burn, on an
   * operator's command) needs `replace`; the burnt flag of the old state stays.
   */
  async putPairState(state: PairState, options: { replace?: boolean } = {}): Promise<void> {
    const k = recordKey.pair(state.peerNodeId);
    await this.lock.run(k, async () => {
      if (!options.replace && (await this.db.get(k)) !== undefined) {
        throw new StoreError('ALREADY_EXISTS', `a pair state with peer ${toHex(state.peerNodeId)} is already stored`);
      }
      await this.db.put(k, this.seal(k, encodePairState(state)), SYNC);
    });
  }

  /** The pair state with `peerId`, or undefined. */
  async getPairState(peerId: Uint8Array): Promise<PairState | undefined> {
    const k = recordKey.pair(peerId);
    const plain = await this.getSealed(k, `pair state with ${toHex(peerId)}`);
    return plain === undefined ? undefined : this.decodePair(k, plain);
  }

  /**
   * Discards the pair state with `peerId` (an operator's command, e.g. after a burn), so that the next session
   * with that peer runs a fresh pair setup with a fresh Δ. The burnt flag of the old state stays as a record.
   * Returns false when there was none.
   */
  async discardPairState(peerId: Uint8Array): Promise<boolean> {
    const k = recordKey.pair(peerId);
    return this.lock.run(k, async () => {
      if ((await this.db.get(k)) === undefined) return false;
      await this.db.del(k, SYNC);
      return true;
    });
  }

  /** Every stored pair state (decrypted), in peer-id order. */
  async listPairStates(): Promise<PairState[]> {
    const out: PairState[] = [];
    for await (const [key, value] of this.db.iterator(prefixRange(recordPrefix.pair))) {
      out.push(this.decodePair(key, open(this.atRest, context(key), value, `record ${key}`)));
    }
    return out;
  }

  // ---- burnt pair states ---------------------------------------------------------------------------------

  /**
   * Persists the burnt flag of `state` (idempotent: the first reason stays). Resolves once the flag is on disk;
   * only then may the node report the failure, so that a crash cannot forget a burn it already announced.
   */
  async markBurnt(state: PairState, reason = 'OT-extension check failed'): Promise<void> {
    const k = recordKey.burnt(state.psid, state.peerNodeId);
    await this.lock.run(k, async () => {
      if ((await this.db.get(k)) !== undefined) return;
      await this.db.put(k, encodeJson({ reason, at: this.now().toISOString() }), SYNC);
    });
  }

  /** Whether `state` was burnt. */
  async isBurnt(state: PairState): Promise<boolean> {
    return (await this.db.get(recordKey.burnt(state.psid, state.peerNodeId))) !== undefined;
  }

  /** Every burnt flag. */
  async listBurnt(): Promise<BurntInfo[]> {
    const out: BurntInfo[] = [];
    for await (const [key, value] of this.db.iterator(prefixRange(recordPrefix.burnt))) {
      const j = decodeJson<{ reason: string; at: string }>(value, key);
      const [, psid, peer] = key.split('/');
      out.push({ psid: fromHex(psid ?? ''), peerId: fromHex(peer ?? ''), reason: j.reason, at: j.at });
    }
    return out;
  }

  /**
   * A {@link PairGuard} for the node's sessions: it starts with the stored burnt flags and persists each new
   * burn (its `onBurn` is synchronous, so the write runs in the background; await {@link flushBurns} before
   * reporting a burn). `onPersisted` hears when each write finished or failed.
   */
  async createPairGuard(onPersisted: (state: PairState, error?: unknown) => void = () => {}): Promise<PairGuard> {
    const burnt = await this.listBurnt();
    const states = (await this.listPairStates()).filter((s) =>
      burnt.some((b) => equalBytes(b.psid, s.psid) && equalBytes(b.peerId, s.peerNodeId)),
    );
    return new PairGuard((state) => {
      const write = this.markBurnt(state).then(
        () => onPersisted(state),
        (e) => onPersisted(state, e),
      );
      this.pendingBurns.add(write);
      void write.finally(() => this.pendingBurns.delete(write));
    }, states);
  }

  /** Resolves once every burn started by a guard from {@link createPairGuard} is written. */
  async flushBurns(): Promise<void> {
    await Promise.all([...this.pendingBurns]);
  }

  // ---- used session ids ----------------------------------------------------------------------------------

  /**
   * Records that `sessionId` was accepted for `keyId`; throws {@link StoreError} `SESSION_REPLAYED` if it was
   * before. Calls for one key are serialised, so of two concurrent calls with the same id exactly one succeeds.
   * The record is on disk when this resolves: mark first, then run the session.
   */
  async markSessionUsed(keyId: Uint8Array, sessionId: Uint8Array): Promise<void> {
    const k = recordKey.session(keyId, sessionId);
    await this.lock.run(`sid/${toHex(keyId)}`, async () => {
      if ((await this.db.get(k)) !== undefined) {
        throw new StoreError(
          'SESSION_REPLAYED',
          `session ${toHex(sessionId)} was already used for key ${toHex(keyId)}`,
        );
      }
      await this.db.put(k, encodeJson({ at: this.now().toISOString() }), SYNC);
    });
  }

  /** Whether `sessionId` was already accepted for `keyId`. */
  async isSessionUsed(keyId: Uint8Array, sessionId: Uint8Array): Promise<boolean> {
    return (await this.db.get(recordKey.session(keyId, sessionId))) !== undefined;
  }

  // ---- bans ----------------------------------------------------------------------------------------------

  /** Bans a peer node until an operator lifts it. Returns false if it was already banned (the first reason stays). */
  async ban(peerId: Uint8Array, reason: string): Promise<boolean> {
    const k = recordKey.ban(peerId);
    return this.lock.run(k, async () => {
      if ((await this.db.get(k)) !== undefined) return false;
      await this.db.put(k, encodeJson({ reason, at: this.now().toISOString() }), SYNC);
      return true;
    });
  }

  /** Lifts a ban (operator command only). Returns false if the peer was not banned. */
  async unban(peerId: Uint8Array): Promise<boolean> {
    const k = recordKey.ban(peerId);
    return this.lock.run(k, async () => {
      if ((await this.db.get(k)) === undefined) return false;
      await this.db.del(k, SYNC);
      return true;
    });
  }

  /** Whether `peerId` is banned. */
  async isBanned(peerId: Uint8Array): Promise<boolean> {
    return (await this.db.get(recordKey.ban(peerId))) !== undefined;
  }

  /** Every ban, in peer-id order. */
  async listBans(): Promise<BanInfo[]> {
    const out: BanInfo[] = [];
    for await (const [key, value] of this.db.iterator(prefixRange(recordPrefix.ban))) {
      const j = decodeJson<{ reason: string; at: string }>(value, key);
      out.push({ peerId: fromHex(key.slice(recordPrefix.ban.length)), reason: j.reason, at: j.at });
    }
    return out;
  }

  // ---- presignatures -------------------------------------------------------------------------------------

  /** Stores an unused presignature of `keyId`; refuses one already stored or already taken. */
  async putPresignature(keyId: Uint8Array, presig: Presignature): Promise<void> {
    const k = recordKey.presig(keyId, presig.ssid);
    const usedKey = recordKey.presigUsed(keyId, presig.ssid);
    const plain = encodePresignature(presig);
    try {
      await this.lock.run(`presig/${toHex(keyId)}`, async () => {
        if ((await this.db.get(usedKey)) !== undefined) {
          throw new StoreError('PRESIGNATURE_USED', `presignature ${toHex(presig.ssid)} was already used`);
        }
        if ((await this.db.get(k)) !== undefined) {
          throw new StoreError('ALREADY_EXISTS', `presignature ${toHex(presig.ssid)} is already stored`);
        }
        await this.db.put(k, this.seal(k, plain), SYNC);
      });
    } finally {
      plain.fill(0);
    }
  }

  /**
   * Takes a presignature for its one use: deletes it and records it as used in one batch before returning it.
   * Throws `PRESIGNATURE_USED` if it was taken before, `NOT_FOUND` if it never existed.
   */
  async takePresignature(keyId: Uint8Array, ssid: Uint8Array): Promise<Presignature> {
    const k = recordKey.presig(keyId, ssid);
    const usedKey = recordKey.presigUsed(keyId, ssid);
    return this.lock.run(`presig/${toHex(keyId)}`, async () => {
      const plain = await this.getSealed(k, `presignature ${toHex(ssid)}`);
      if (plain === undefined) {
        if ((await this.db.get(usedKey)) !== undefined) {
          throw new StoreError('PRESIGNATURE_USED', `presignature ${toHex(ssid)} was already used`);
        }
        throw new StoreError('NOT_FOUND', `no presignature ${toHex(ssid)} for key ${toHex(keyId)}`);
      }
      let presig: Presignature;
      try {
        presig = decodePresignature(plain);
      } catch (e) {
        throw new StoreError('CORRUPT_RECORD', `presignature ${toHex(ssid)} does not decode`, { cause: e });
      } finally {
        plain.fill(0);
      }
      await this.batch([
        { type: 'del', key: k },
        { type: 'put', key: usedKey, value: encodeJson({ at: this.now().toISOString() }) },
      ]);
      return presig;
    });
  }

  /** The ssids of the stored (untaken) presignatures of `keyId`. */
  async listPresignatures(keyId: Uint8Array): Promise<Uint8Array[]> {
    const prefix = recordPrefix.presig(keyId);
    const out: Uint8Array[] = [];
    for await (const key of this.db.keys(prefixRange(prefix))) out.push(fromHex(key.slice(prefix.length)));
    return out;
  }

  // ---- internals -----------------------------------------------------------------------------------------

  /** Writes the check record on first open; on later opens, proves the master key decrypts it. */
  private async checkMasterKey(): Promise<void> {
    const k = recordKey.check();
    const stored = await this.db.get(k);
    if (stored === undefined) {
      await this.db.put(k, this.seal(k, CHECK_PLAINTEXT), SYNC);
      return;
    }
    try {
      open(this.atRest, context(k), stored, 'check record');
    } catch (e) {
      throw new StoreError(
        'DECRYPT_FAILED',
        `the master key does not decrypt the store in ${this.db.location}: it was created with another master key`,
        { cause: e },
      );
    }
  }

  private seal(key: string, plaintext: Uint8Array): Uint8Array {
    return seal(this.atRest, context(key), plaintext);
  }

  private async getSealed(key: string, what: string): Promise<Uint8Array | undefined> {
    const value = await this.db.get(key);
    return value === undefined ? undefined : open(this.atRest, context(key), value, what);
  }

  private async getShareInfoJson(key: string): Promise<ShareInfoJson | undefined> {
    const value = await this.db.get(key);
    return value === undefined ? undefined : decodeJson<ShareInfoJson>(value, key);
  }

  private decodePair(key: string, plain: Uint8Array): PairState {
    try {
      return decodePairState(plain);
    } catch (e) {
      throw new StoreError('CORRUPT_RECORD', `record ${key} does not decode as a pair state`, { cause: e });
    }
  }

  private async batch(ops: Op[]): Promise<void> {
    await this.db.batch(ops, SYNC);
  }
}

/** The AAD context of a record: its key's UTF-8 bytes. */
function context(key: string): Uint8Array {
  return new TextEncoder().encode(key);
}
