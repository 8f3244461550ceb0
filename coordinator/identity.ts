/**
 * The coordinator's libp2p identity: an Ed25519 key kept across restarts (parties are configured with its peer
 * id), in `<data dir>/identity.key`, mode 0600. With a sealing key (the CLI derives one from the master key) it is
 * sealed with AES-256-GCM (AAD names the file's purpose); without one it is stored as is, and the caller is told
 * so it can warn. A deployment may instead make the file once (`mpc coordinator identity --out FILE`) and
 * mount it (`MPC_IDENTITY_FILE`), so that the peer id is known before the coordinator first starts.
 */
import { createCipheriv, createDecipheriv, type KeyObject, randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys';
import type { PrivateKey } from '@libp2p/interface';
import { CoordinatorError } from './errors.js';

/** File name of the identity inside the data directory. */
export const IDENTITY_FILE = 'identity.key';
const SEALED_MAGIC = Buffer.from('MPCSEAL1');
const AAD = Buffer.from('mpc/coordinator/identity');

/** Loads the identity from `dataDir`, creating it on first start. */
export async function loadCoordinatorIdentity(
  dataDir: string,
  sealKey?: KeyObject,
): Promise<{ key: PrivateKey; created: boolean; sealed: boolean }> {
  const path = join(dataDir, IDENTITY_FILE);
  const found = await readIdentityFile(path, sealKey);
  if (found) return { ...found, created: false };
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const { key } = await createIdentityFile(path, sealKey);
  return { key, created: true, sealed: sealKey !== undefined };
}

/**
 * Reads an identity file made by {@link createIdentityFile} (or by a first start), opening it with `sealKey`
 * when it is sealed; undefined when the file does not exist.
 */
export async function readIdentityFile(
  path: string,
  sealKey?: KeyObject,
): Promise<{ key: PrivateKey; sealed: boolean } | undefined> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  return { key: privateKeyFromProtobuf(open(bytes, sealKey, path)), sealed: isSealed(bytes) };
}

/**
 * Makes a new identity at `path` (mode 0600, sealed when `sealKey` is given); throws `EEXIST` rather than
 * overwrite a file, since a replaced identity changes the peer id every party is configured with.
 */
export async function createIdentityFile(path: string, sealKey?: KeyObject): Promise<{ key: PrivateKey }> {
  const key = await generateKeyPair('Ed25519');
  const plain = privateKeyToProtobuf(key);
  await writeFile(path, sealKey ? seal(plain, sealKey) : plain, { mode: 0o600, flag: 'wx' });
  await chmod(path, 0o600);
  return { key };
}

const isSealed = (b: Buffer) => b.subarray(0, SEALED_MAGIC.length).equals(SEALED_MAGIC);

function seal(plain: Uint8Array, sealKey: KeyObject): Buffer {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', sealKey, iv).setAAD(AAD);
  const body = Buffer.concat([c.update(plain), c.final()]);
  return Buffer.concat([SEALED_MAGIC, iv, body, c.getAuthTag()]);
}

function open(bytes: Buffer, sealKey: KeyObject | undefined, path: string): Uint8Array {
  if (!isSealed(bytes)) return bytes;
  if (!sealKey) {
    throw new CoordinatorError('UNAVAILABLE', `${path} is sealed; set CRYPTO_MASTER_KEY (the key it was sealed with)`);
  }
  const iv = bytes.subarray(8, 20);
  const tag = bytes.subarray(bytes.length - 16);
  try {
    const d = createDecipheriv('aes-256-gcm', sealKey, iv).setAAD(AAD).setAuthTag(tag);
    return Buffer.concat([d.update(bytes.subarray(20, bytes.length - 16)), d.final()]);
  } catch {
    throw new CoordinatorError('UNAVAILABLE', `${path} does not open with this master key (wrong key or damaged file)`);
  }
}

/**
 * The identity stored in `dataDir`, opened with `sealKey` when sealed; undefined when there is none (a backup
 * reads it without creating one).
 */
export async function readCoordinatorIdentity(dataDir: string, sealKey?: KeyObject): Promise<PrivateKey | undefined> {
  const path = join(dataDir, IDENTITY_FILE);
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  return privateKeyFromProtobuf(open(bytes, sealKey, path));
}

/** Writes `key` as the identity of `dataDir` (sealed with `sealKey` when given); refuses to replace one. */
export async function writeCoordinatorIdentity(dataDir: string, key: PrivateKey, sealKey?: KeyObject): Promise<void> {
  const plain = privateKeyToProtobuf(key);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  await writeFile(join(dataDir, IDENTITY_FILE), sealKey ? seal(plain, sealKey) : plain, { mode: 0o600, flag: 'wx' });
}
