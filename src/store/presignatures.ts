/**
 * Presignatures in the party store, sealed, each usable for one signature: taking one deletes it and records
 * it as used in one atomic batch, so it can never be stored or taken again. A presignature is stored under its
 * key and a handle — the session id of the presign session that made it, which the online signing's record
 * names — with the peer id of each of its signers: it is given out only to a signing by exactly that signer set.
 *
 * Armed presignatures (`armAhead` > 0, what a party node runs with): the durable write that makes a presignature
 * single-use is done ahead of its use, off the signing's path. Per key, the presignatures this process stored —
 * oldest first, the order in which the coordinator uses them — are deleted from the store and recorded used in
 * fsynced batches, and kept decrypted in memory; a signing that names one takes it from memory with no disk
 * access. A key is armed up to `armAhead` as its presignatures are stored; once takes have left it fewer than
 * half of that, the next ones are armed together, in one read and one batch (so one signing in several pays
 * for the arming, not every one). Taking one from memory is synchronous, so it is given out once; the process
 * that armed it is the only one that can use it. A graceful close puts the armed presignatures back (stored,
 * the used record removed, in one batch, after the store stopped giving them out); after a crash they are gone
 * from the store as used (the coordinator's signing then falls back to a full signing, as for any presignature
 * a party lacks). A signing from an armed presignature marks no session id: the presignature is that session's
 * one-use token, and a replayed record finds it used (`PRESIGNATURE_USED`). A retired key's armed
 * presignatures are wiped with its stored ones.
 */
import { equalBytes, fromHex, toHex } from '../../protocols/common/bytes.js';
import type { Presignature } from '../../protocols/dkls23/sign.js';
import { StoreError } from './errors.js';
import { decodePresignature, encodePresignature } from './presignature-codec.js';
import { encodeJson, recordKey, recordPrefix } from './records.js';
import type { Vault } from './vault.js';

/** One signer of a presignature: its key-share index and its peer id. */
export interface PresignatureSigner {
  readonly index: number;
  readonly peerId: Uint8Array;
}

type Stored = ReturnType<typeof decodePresignature>;
type BatchOp = Parameters<Vault['batch']>[0][number];

/**
 * The taken presignature, when `signers` are exactly those it was made with; else its secrets are wiped and
 * `PRESIGNATURE_SIGNERS` is thrown.
 */
function checkSigners(id: Uint8Array, { presignature, peers }: Stored, signers: readonly PresignatureSigner[]) {
  const same =
    signers.length === presignature.signers.length &&
    presignature.signers.every((index, k) => {
      const s = signers.find((x) => x.index === index);
      return s !== undefined && equalBytes(s.peerId, peers[k] as Uint8Array);
    });
  if (same) return presignature;
  wipe(presignature);
  throw new StoreError(
    'PRESIGNATURE_SIGNERS',
    `presignature ${toHex(id)} was made by signers ${presignature.signers.join(',')} with other peers or indices than this signing's`,
  );
}

/** Zeroes the secrets of a presignature that will not be used. */
function wipe(p: Presignature): void {
  p.phi = 0n;
  p.u = 0n;
  p.v = 0n;
  p.used = true;
}

/** Most presignatures one store holds armed at once, over all keys. */
export const MAX_ARMED = 4096;

/** The presignatures of one store; reached as `store.presignatures`. */
export class Presignatures {
  /** Per key (hex), the armed presignatures by handle (hex): each resolves once its disk copy is gone. */
  private readonly armed = new Map<string, Map<string, Promise<Stored | undefined>>>();
  private armedCount = 0;
  /** Per key (hex), the handles (hex) this process stored and has not armed or taken, oldest first. */
  private readonly queued = new Map<string, string[]>();
  /** Set by {@link putBack}: nothing is armed or given out from memory any more. */
  private closing = false;

  /**
   * @param armAhead presignatures to hold armed per key (see the module comment); 0 arms none
   */
  constructor(
    private readonly vault: Vault,
    private readonly armAhead = 0,
  ) {}

  /**
   * Stores an unused presignature of `keyId` under `id` (the presign session id) with its signers (one per
   * index of `presig.signers`); refuses one already stored or already taken.
   */
  async put(
    keyId: Uint8Array,
    id: Uint8Array,
    presig: Presignature,
    signers: readonly PresignatureSigner[],
  ): Promise<void> {
    const peers = presig.signers.map((i) => signers.find((s) => s.index === i)?.peerId ?? new Uint8Array(0));
    if (signers.length !== presig.signers.length) {
      throw new StoreError('INVALID_ARGUMENT', 'the signers do not match the presignature');
    }
    const k = recordKey.presig(keyId, id);
    const usedKey = recordKey.presigUsed(keyId, id);
    const plain = encodePresignature(presig, peers);
    try {
      await this.vault.lock.run(`presig/${toHex(keyId)}`, async () => {
        if (await this.vault.has(usedKey)) {
          throw new StoreError('PRESIGNATURE_USED', `presignature ${toHex(id)} was already used`);
        }
        if (await this.vault.has(k)) {
          throw new StoreError('ALREADY_EXISTS', `presignature ${toHex(id)} is already stored`);
        }
        await this.vault.put(k, this.vault.seal(k, plain));
      });
    } finally {
      plain.fill(0);
    }
    if (this.armAhead > 0) {
      const key = toHex(keyId);
      const queue = this.queued.get(key) ?? [];
      queue.push(toHex(id));
      this.queued.set(key, queue);
      this.topUp(keyId, this.armAhead);
    }
  }

  /**
   * Takes a presignature for its one use by `signers`: deletes it and records it as used in one batch, then
   * checks that `signers` are exactly the ones it was made with (indices and peer ids) and returns it. Throws
   * `PRESIGNATURE_USED` if it was taken before, `NOT_FOUND` if it never existed, `PRESIGNATURE_SIGNERS` if
   * the signer set differs (the presignature is used up all the same: it is never offered again).
   */
  async take(keyId: Uint8Array, id: Uint8Array, signers: readonly PresignatureSigner[]): Promise<Presignature> {
    const early = await this.claimArmed(keyId, id);
    if (early) return checkSigners(id, early, signers);
    const stored = await this.vault.lock.run(`presig/${toHex(keyId)}`, () => this.consume(keyId, id, []));
    return checkSigners(id, stored, signers);
  }

  /**
   * {@link take} for the signing of session `sessionId`, and that session id marked used for the key in the same
   * fsynced batch (one disk write on the online path instead of two). Throws `SESSION_REPLAYED` when the session
   * id was accepted before (nothing changes), else as {@link take} (`NOT_FOUND` and `PRESIGNATURE_USED` change
   * nothing; `PRESIGNATURE_SIGNERS` leaves the session id marked and the presignature used up).
   */
  async takeForSession(
    keyId: Uint8Array,
    sessionId: Uint8Array,
    id: Uint8Array,
    signers: readonly PresignatureSigner[],
  ): Promise<Presignature> {
    const early = await this.claimArmed(keyId, id);
    if (early) return checkSigners(id, early, signers);
    const mark = recordKey.session(keyId, sessionId);
    // always the session-id lock first, then the presignature lock (markSessionUsed takes only the first)
    const stored = await this.vault.lock.run(`sid/${toHex(keyId)}`, () =>
      this.vault.lock.run(`presig/${toHex(keyId)}`, async () => {
        // the mark and the presignature in one read: this is on every pooled signing's path
        const [marked, sealed] = await this.vault.getMany([mark, recordKey.presig(keyId, id)]);
        if (marked !== undefined) {
          throw new StoreError(
            'SESSION_REPLAYED',
            `session ${toHex(sessionId)} was already used for key ${toHex(keyId)}`,
          );
        }
        return this.consume(
          keyId,
          id,
          [{ type: 'put', key: mark, value: encodeJson({ at: this.vault.now().toISOString() }) }],
          { sealed },
        );
      }),
    );
    return checkSigners(id, stored, signers);
  }

  /**
   * Reads (unless the caller `read` its sealed value already), deletes and marks used the presignature `id`, with
   * `ops` in one batch (the caller holds the lock).
   */
  private async consume(
    keyId: Uint8Array,
    id: Uint8Array,
    ops: readonly BatchOp[],
    read?: { sealed: Uint8Array | undefined },
  ): Promise<Stored> {
    const k = recordKey.presig(keyId, id);
    const sealed = read ? read.sealed : await this.vault.get(k);
    if (sealed === undefined) {
      if (await this.vault.has(recordKey.presigUsed(keyId, id))) {
        throw new StoreError('PRESIGNATURE_USED', `presignature ${toHex(id)} was already used`);
      }
      throw new StoreError('NOT_FOUND', `no presignature ${toHex(id)} for key ${toHex(keyId)}`);
    }
    const stored = this.openSealed(k, sealed, id);
    await this.vault.batch([...ops, ...this.takenOps(keyId, id)]);
    return stored;
  }

  /** The stored presignature `id` (under `k`), opened and decoded; throws the vault's error or `CORRUPT_RECORD`. */
  private openSealed(k: string, sealed: Uint8Array, id: Uint8Array): Stored {
    const plain = this.vault.open(k, sealed, `presignature ${toHex(id)}`);
    try {
      return decodePresignature(plain);
    } catch (e) {
      throw new StoreError('CORRUPT_RECORD', `presignature ${toHex(id)} does not decode`, { cause: e });
    } finally {
      plain.fill(0);
    }
  }

  /** The writes that take presignature `id` of `keyId` out of the store for good: deleted, and recorded used. */
  private takenOps(keyId: Uint8Array, id: Uint8Array): BatchOp[] {
    return [
      { type: 'del', key: recordKey.presig(keyId, id) },
      { type: 'put', key: recordKey.presigUsed(keyId, id), value: encodeJson({ at: this.vault.now().toISOString() }) },
    ];
  }

  /**
   * Claims presignature `id` of `keyId` for one use, synchronously (before any await, so that nothing arms it or
   * gives it out meanwhile): resolves with it when it is armed, else (not armed, or its arming found nothing or
   * failed) undefined, and the caller takes it from the store. Either way it leaves the queue of ones to arm.
   */
  private claimArmed(keyId: Uint8Array, id: Uint8Array): Promise<Stored | undefined> {
    const key = toHex(keyId);
    const idHex = toHex(id);
    const ofKey = this.armed.get(key);
    const slot = this.closing ? undefined : ofKey?.get(idHex);
    if (ofKey && slot) {
      this.unarm(key, ofKey, idHex);
    } else {
      const queue = this.queued.get(key);
      const at = queue?.indexOf(idHex) ?? -1;
      if (queue && at >= 0) queue.splice(at, 1);
    }
    // the next group, once the key holds under half of armAhead: after this signing's own work
    if (this.queued.has(key) && (this.armed.get(key)?.size ?? 0) < this.armAhead / 2) {
      setImmediate(() => this.topUp(keyId, this.armAhead / 2));
    }
    return slot ?? Promise.resolve(undefined);
  }

  private unarm(key: string, ofKey: Map<string, Promise<Stored | undefined>>, idHex: string): void {
    ofKey.delete(idHex);
    this.armedCount--;
    if (ofKey.size === 0 && this.armed.get(key) === ofKey) this.armed.delete(key);
  }

  /**
   * Arms the oldest queued presignatures of `keyId`, together, up to `armAhead` armed (within {@link MAX_ARMED}),
   * when it holds fewer than `below`.
   */
  private topUp(keyId: Uint8Array, below: number): void {
    const key = toHex(keyId);
    const queue = this.queued.get(key);
    const held = this.armed.get(key)?.size ?? 0;
    if (this.closing || !queue || held >= below) return;
    const ids = queue.splice(0, Math.min(this.armAhead - held, MAX_ARMED - this.armedCount));
    if (queue.length === 0) this.queued.delete(key);
    if (ids.length === 0) return;
    let ofKey = this.armed.get(key);
    if (!ofKey) {
      ofKey = new Map();
      this.armed.set(key, ofKey);
    }
    const group = this.arm(keyId, ids);
    const slots = ofKey;
    for (const idHex of ids) {
      const slot = group.then((armed) => armed.get(idHex));
      slots.set(idHex, slot);
      this.armedCount++;
      // an arming that came to nothing gives its place up (a take of that handle then asks the store)
      void slot.then((s) => {
        if (s === undefined && slots.get(idHex) === slot) this.unarm(key, slots, idHex);
      });
    }
  }

  /**
   * Takes the presignatures `ids` (hex) of `keyId` out of the store — read together, then deleted and recorded
   * used in one fsynced batch — and resolves with them by handle. One the store no longer holds (taken
   * meanwhile) or that does not open is left out (a take of it asks the store, which reports why); when the
   * write fails none is armed (they may still be stored: they are taken from the store as usual).
   */
  private async arm(keyId: Uint8Array, ids: readonly string[]): Promise<Map<string, Stored>> {
    const out = new Map<string, Stored>();
    try {
      await this.vault.lock.run(`presig/${toHex(keyId)}`, async () => {
        const handles = ids.map(fromHex);
        const keys = handles.map((id) => recordKey.presig(keyId, id));
        const sealed = await this.vault.getMany(keys);
        const ops: BatchOp[] = [];
        handles.forEach((id, i) => {
          const value = sealed[i];
          if (value === undefined) return;
          try {
            out.set(ids[i] as string, this.openSealed(keys[i] as string, value, id));
          } catch {
            return; // left in the store: a take of it reports why it does not open
          }
          ops.push(...this.takenOps(keyId, id));
        });
        if (ops.length > 0) await this.vault.batch(ops);
      });
    } catch {
      for (const s of out.values()) wipe(s.presignature);
      out.clear();
    }
    return out;
  }

  /**
   * Stops arming and giving out armed presignatures, and puts the armed ones back in the store: each stored
   * again and its used record removed, all in one fsynced batch, then wiped from memory. Called as the store
   * closes, when no signing runs any more; an armed presignature was never given out (a take removes it from
   * memory before anything awaits), so it is as unused as before it was armed. Resolves with how many went back.
   */
  async putBack(): Promise<number> {
    this.closing = true;
    this.queued.clear();
    const held = [...this.armed].map(([key, ofKey]) => [fromHex(key), [...ofKey]] as const);
    this.armed.clear();
    this.armedCount = 0;
    const armed: { keyId: Uint8Array; id: Uint8Array; stored: Stored }[] = [];
    for (const [keyId, slots] of held) {
      for (const [idHex, slot] of slots) {
        const stored = await slot;
        if (stored) armed.push({ keyId, id: fromHex(idHex), stored });
      }
    }
    try {
      const ops: BatchOp[] = [];
      for (const { keyId, id, stored } of armed) {
        const k = recordKey.presig(keyId, id);
        const plain = encodePresignature(stored.presignature, stored.peers);
        try {
          ops.push(
            { type: 'put', key: k, value: this.vault.seal(k, plain) },
            { type: 'del', key: recordKey.presigUsed(keyId, id) },
          );
        } finally {
          plain.fill(0);
        }
      }
      if (ops.length > 0) await this.vault.batch(ops);
    } finally {
      for (const { stored } of armed) wipe(stored.presignature);
    }
    return armed.length;
  }

  /** How many presignatures of `keyId` are armed, once every arming begun so far has ended. */
  async armedCountOf(keyId: Uint8Array): Promise<number> {
    await new Promise((r) => setImmediate(r)); // a top-up scheduled by a take begins first
    const ofKey = this.armed.get(toHex(keyId));
    return ofKey ? (await Promise.all(ofKey.values())).filter((s) => s !== undefined).length : 0;
  }

  /** Wipes and drops the armed and queued presignatures of `keyId` (its share is being retired). */
  forgetKey(keyId: Uint8Array): void {
    const key = toHex(keyId);
    this.queued.delete(key);
    const ofKey = this.armed.get(key);
    if (!ofKey) return;
    this.armed.delete(key);
    this.armedCount -= ofKey.size;
    const slots = [...ofKey.values()];
    ofKey.clear();
    for (const slot of slots) void slot.then((s) => s && wipe(s.presignature));
  }

  /** The handles (presign session ids) of the stored (untaken) presignatures of `keyId`. */
  async list(keyId: Uint8Array): Promise<Uint8Array[]> {
    const prefix = recordPrefix.presig(keyId);
    const out: Uint8Array[] = [];
    for await (const key of this.vault.keys(prefix)) out.push(fromHex(key.slice(prefix.length)));
    return out;
  }
}
