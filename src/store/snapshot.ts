/**
 * A consistent copy of a party store's records for a backup, and its restore into an empty store under any
 * master key. The copy is read through one LevelDB iterator, which reads from one snapshot, so it is consistent
 * while the node runs. Sealed records are opened for the copy (the backup file seals the whole, under the
 * operator's passphrase) and sealed again under the new store's key on restore.
 *
 * Left out on purpose: the master-key check record (each store makes its own) and presignatures — a restored
 * presignature may already have been used after the backup was made, and using one twice reveals the key.
 */
import { StoreError } from './errors.js';
import type { Op, Vault } from './vault.js';

/** One record of a snapshot: its key and its plaintext value. */
export interface SnapshotRecord {
  readonly key: string;
  readonly value: Uint8Array;
}

/** Record kinds whose values are sealed in the store (opened in a snapshot). */
const SEALED = ['identity', 'share/', 'pair/'];
/** Record kinds kept as they are (public facts). */
const PLAIN = ['shareinfo/', 'retire/', 'burnt/', 'sid/', 'ban/', 'frozen/', 'presig-used/'];
/** Record kinds never copied (see the module comment). */
const SKIPPED = ['check', 'presig/'];

function kindOf(key: string): 'sealed' | 'plain' | 'skipped' | undefined {
  const is = (k: string) => (k.endsWith('/') ? key.startsWith(k) : key === k);
  if (SKIPPED.some(is)) return 'skipped';
  if (SEALED.some(is)) return 'sealed';
  if (PLAIN.some(is)) return 'plain';
  return undefined;
}

/**
 * Every record worth restoring, values opened. An unknown record kind stops the backup: a backup that silently
 * missed a new kind of record would be found out only when it is needed.
 */
export async function takeSnapshot(vault: Vault): Promise<SnapshotRecord[]> {
  const out: SnapshotRecord[] = [];
  for await (const [key, value] of vault.entries('')) {
    const kind = kindOf(key);
    if (kind === undefined) {
      throw new StoreError(
        'CORRUPT_RECORD',
        `the store holds a record of unknown kind (${key.split('/')[0]}); no backup made`,
      );
    }
    if (kind === 'skipped') continue;
    out.push({ key, value: kind === 'sealed' ? vault.open(key, value, `record ${key.split('/')[0]}`) : value });
  }
  return out;
}

/** Writes `records` into `vault`, which must hold nothing but its check record, in one atomic batch. */
export async function restoreSnapshot(vault: Vault, records: readonly SnapshotRecord[]): Promise<void> {
  for await (const key of vault.keys('')) {
    if (key !== 'check')
      throw new StoreError('ALREADY_EXISTS', `${vault.location} is not empty: restore needs a new directory`);
  }
  const ops: Op[] = records.map(({ key, value }) => {
    const kind = kindOf(key);
    if (kind === undefined || kind === 'skipped') {
      throw new StoreError(
        'CORRUPT_RECORD',
        `the backup holds a record of kind ${key.split('/')[0]}, which is never restored`,
      );
    }
    return { type: 'put', key, value: kind === 'sealed' ? vault.seal(key, value) : value };
  });
  await vault.batch(ops);
}

/** Serialises records: `count (u32) ‖ (keyLen u16 ‖ key ‖ valueLen u32 ‖ value)*`. */
export function encodeSnapshot(records: readonly SnapshotRecord[]): Uint8Array {
  const keys = records.map((r) => new TextEncoder().encode(r.key));
  const size = 4 + records.reduce((n, r, k) => n + 6 + (keys[k] as Uint8Array).length + r.value.length, 0);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint32(0, records.length);
  let off = 4;
  records.forEach((r, k) => {
    const key = keys[k] as Uint8Array;
    view.setUint16(off, key.length);
    out.set(key, off + 2);
    off += 2 + key.length;
    view.setUint32(off, r.value.length);
    out.set(r.value, off + 4);
    off += 4 + r.value.length;
  });
  return out;
}

/** Parses {@link encodeSnapshot}'s bytes strictly; `CORRUPT_RECORD` for anything malformed. */
export function decodeSnapshot(bytes: Uint8Array): SnapshotRecord[] {
  const bad = (why: string) => new StoreError('CORRUPT_RECORD', `backup payload: ${why}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const need = (off: number, n: number) => {
    if (off + n > bytes.length) throw bad('truncated');
  };
  need(0, 4);
  const count = view.getUint32(0);
  const out: SnapshotRecord[] = [];
  const seen = new Set<string>();
  let off = 4;
  for (let k = 0; k < count; k++) {
    need(off, 2);
    const keyLen = view.getUint16(off);
    need(off + 2, keyLen);
    let key: string;
    try {
      key = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(off + 2, off + 2 + keyLen));
    } catch {
      throw bad('a record key is not UTF-8');
    }
    off += 2 + keyLen;
    need(off, 4);
    const len = view.getUint32(off);
    need(off + 4, len);
    if (seen.has(key)) throw bad(`record ${key} twice`);
    seen.add(key);
    out.push({ key, value: bytes.slice(off + 4, off + 4 + len) });
    off += 4 + len;
  }
  if (off !== bytes.length) throw bad('trailing bytes');
  return out;
}
