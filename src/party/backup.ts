/**
 * Backup and restore of a party node: its identity, key shares (committed and pending), pair states, bans,
 * burnt and frozen flags and used session ids, in one file sealed under the operator's passphrase
 * (runtime/backup-file.ts). A restore goes to a new directory under any master key and is checked before it is
 * put in place: the same peer id, every share decoding against its public facts. Nothing is written when any
 * step fails.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { type BackupHeader, openBackup, sealBackup } from '../runtime/backup-file.js';
import type { MasterKey } from '../runtime/master-key.js';
import { StoreError } from '../store/errors.js';
import { ShareStore } from '../store/share-store.js';
import { decodeSnapshot, encodeSnapshot } from '../store/snapshot.js';
import { loadIdentity } from './identity.js';

/** The `kind` of a party backup's header. */
export const PARTY_BACKUP_KIND = 'party';

/** Options of {@link backupParty} and {@link restoreParty}: the scrypt cost (tests lower it). */
export interface BackupCost {
  kdf?: { N: number; r: number; p: number };
}

/** The backup file of `store` under `passphrase`, and its header. */
export async function backupParty(
  store: ShareStore,
  passphrase: string,
  opts: BackupCost = {},
): Promise<{ file: Uint8Array; header: BackupHeader }> {
  const { peerId } = await loadIdentity(store);
  const shares = await store.listShares();
  const records = await store.snapshot();
  const count = (prefix: string) => records.filter((r) => r.key.startsWith(prefix)).length;
  const header: BackupHeader = {
    kind: PARTY_BACKUP_KIND,
    createdAt: new Date().toISOString(),
    holds: {
      peerId,
      committedShares: shares.filter((s) => s.status === 'committed').length,
      pendingShares: shares.filter((s) => s.status === 'pending').length,
      pairStates: count('pair/'),
      bans: count('ban/'),
      burntPairStates: count('burnt/'),
      frozenKeys: count('frozen/'),
      presignatures: 'not included (each may be used once)',
    },
  };
  const payload = encodeSnapshot(records);
  try {
    return { file: await sealBackup(header, payload, passphrase, opts.kdf), header };
  } finally {
    payload.fill(0);
    for (const r of records) r.value.fill(0);
  }
}

/**
 * Restores a party backup into `dataDir` (absent or empty) under `masterKey`: built beside it, checked, then
 * moved into place. Returns the header and the restored peer id.
 */
export async function restoreParty(
  file: Uint8Array,
  passphrase: string,
  dataDir: string,
  masterKey: MasterKey,
): Promise<{ header: BackupHeader; peerId: string; shares: number }> {
  if (existsSync(dataDir) && readdirSync(dataDir).length > 0) {
    throw new StoreError('ALREADY_EXISTS', `${dataDir} is not empty: restore into a new directory`);
  }
  const { header, payload } = await openBackup(file, passphrase, PARTY_BACKUP_KIND);
  const records = decodeSnapshot(payload);
  payload.fill(0);
  const staging = join(dirname(dataDir), `.${basename(dataDir)}.restoring-${randomBytes(4).toString('hex')}`);
  try {
    const store = await ShareStore.open(staging, masterKey);
    let peerId: string;
    let shares = 0;
    try {
      await store.restore(records);
      peerId = (await loadIdentity(store)).peerId;
      if (peerId !== header.holds.peerId) {
        throw new StoreError(
          'CORRUPT_RECORD',
          `the backup's identity is ${peerId}, its header says ${header.holds.peerId}`,
        );
      }
      for (const info of await store.listShares()) {
        await store.getShare(info.keyId); // decodes and checks each share against its public facts
        shares++;
      }
    } finally {
      for (const r of records) r.value.fill(0);
      await store.close();
    }
    if (existsSync(dataDir)) rmSync(dataDir, { recursive: true }); // empty, checked above
    renameSync(staging, dataDir);
    return { header, peerId, shares };
  } catch (e) {
    rmSync(staging, { recursive: true, force: true });
    throw e;
  }
}
