/**
 * Backup and restore of the coordinator: its libp2p identity (parties are configured with its peer id) and
 * its database (db/dump.ts), in one file sealed under the operator's passphrase (src/runtime/backup-file.ts).
 * The embedded database can be backed up only while the coordinator is stopped (its directory is locked);
 * on PostgreSQL the dump reads one snapshot, also while the coordinator runs.
 */

import type { KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { BackupError, type BackupHeader, openBackup, sealBackup } from '../src/runtime/backup-file.js';
import { secureDataDir } from '../src/runtime/data-dir.js';
import { openDatabase } from './db/database.js';
import { type DatabaseDump, dumpDatabase, loadDump } from './db/dump.js';
import { readCoordinatorIdentity, writeCoordinatorIdentity } from './identity.js';

/** The `kind` of a coordinator backup's header. */
export const COORDINATOR_BACKUP_KIND = 'coordinator';

/** Where a coordinator keeps its state (as `mpc coordinator start` is given it). */
export interface CoordinatorState {
  /** The data directory: identity, and the embedded database unless `databaseUrl` is set. */
  dataDir: string;
  /** A PostgreSQL server instead of the embedded database. */
  databaseUrl?: string;
  /** The key sealing the identity file (from the master key), if any. */
  identityKey?: KeyObject;
}

/** The payload of a coordinator backup. */
interface Payload {
  identity: string;
  dump: DatabaseDump;
}

function database(state: CoordinatorState) {
  return openDatabase(state.databaseUrl ? { url: state.databaseUrl } : { dataDir: join(state.dataDir, 'pgdata') });
}

/** The backup file of the coordinator whose state is `state`, and its header. */
export async function backupCoordinator(
  state: CoordinatorState,
  passphrase: string,
  opts: { kdf?: { N: number; r: number; p: number } } = {},
): Promise<{ file: Uint8Array; header: BackupHeader }> {
  const key = await readCoordinatorIdentity(state.dataDir, state.identityKey);
  if (!key) {
    throw new BackupError('NOT_A_BACKUP', `${state.dataDir} holds no coordinator identity: nothing to back up there`);
  }
  const db = await database(state);
  let dump: DatabaseDump;
  try {
    dump = await dumpDatabase(db.pool);
  } finally {
    await db.close();
  }
  const count = (t: string) => dump.tables[t]?.length ?? 0;
  const header: BackupHeader = {
    kind: COORDINATOR_BACKUP_KIND,
    createdAt: new Date().toISOString(),
    holds: {
      peerId: peerIdFromPrivateKey(key).toString(),
      database: state.databaseUrl ? 'PostgreSQL' : 'embedded',
      accounts: count('accounts'),
      sessions: count('sessions'),
      parties: count('parties'),
      schema: dump.migrations.at(-1) ?? 'none',
    },
  };
  const payload: Payload = { identity: Buffer.from(privateKeyToProtobuf(key)).toString('base64'), dump };
  const bytes = new TextEncoder().encode(JSON.stringify(payload));
  try {
    return { file: await sealBackup(header, bytes, passphrase, opts.kdf), header };
  } finally {
    bytes.fill(0);
  }
}

/**
 * Restores a coordinator backup into `state`: a data directory without an identity (and, embedded, without a
 * database) and an empty database. All or nothing: on failure a directory it created is removed again.
 */
export async function restoreCoordinator(
  file: Uint8Array,
  passphrase: string,
  state: CoordinatorState,
): Promise<{ header: BackupHeader; peerId: string; rows: number }> {
  const fresh = !existsSync(state.dataDir) || readdirSync(state.dataDir).length === 0;
  if (!state.databaseUrl && !fresh) {
    throw new BackupError(
      'BAD_BACKUP',
      `${state.dataDir} is not empty: restore the embedded database into a new directory`,
    );
  }
  if (existsSync(join(state.dataDir, 'identity.key'))) {
    throw new BackupError(
      'BAD_BACKUP',
      `${state.dataDir} already has a coordinator identity: restore into a new directory`,
    );
  }
  const { header, payload } = await openBackup(file, passphrase, COORDINATOR_BACKUP_KIND);
  let parsed: Payload;
  try {
    parsed = JSON.parse(new TextDecoder().decode(payload)) as Payload;
  } catch (e) {
    throw new BackupError('BAD_BACKUP', 'the backup payload is not what a coordinator writes', { cause: e });
  } finally {
    payload.fill(0);
  }
  const key = privateKeyFromProtobuf(Buffer.from(parsed.identity, 'base64'));
  const peerId = peerIdFromPrivateKey(key).toString();
  if (peerId !== header.holds.peerId) {
    throw new BackupError('BAD_BACKUP', `the backup's identity is ${peerId}, its header says ${header.holds.peerId}`);
  }
  try {
    mkdirSync(state.dataDir, { recursive: true, mode: 0o700 });
    const db = await database(state);
    let rows: number;
    try {
      rows = (await loadDump(db.pool, parsed.dump)).rows;
    } finally {
      await db.close();
    }
    await writeCoordinatorIdentity(state.dataDir, key, state.identityKey);
    // the embedded database's files were made under the process umask: only the coordinator's user may read them
    secureDataDir(state.dataDir, { allowShared: false });
    return { header, peerId, rows };
  } catch (e) {
    if (fresh) rmSync(state.dataDir, { recursive: true, force: true });
    throw e;
  }
}
