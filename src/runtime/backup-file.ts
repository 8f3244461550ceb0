/**
 * The encrypted backup file of a node (a party's store, the coordinator's database): a readable header that
 * says what the file holds, then the payload sealed with AES-256-GCM under a key derived from the operator's
 * passphrase with scrypt. The header is the GCM's additional data, so changing a word of it fails the whole
 * file. A short key-check value in the header tells a wrong passphrase from a damaged file without decrypting.
 *
 * Layout: `MPC-BACKUP 1\n` ‖ header JSON (one line) ‖ `\n` ‖ nonce (12) ‖ ciphertext ‖ tag (16).
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { CodedError } from '../../protocols/common/errors.js';

/** Stable codes of {@link BackupError}. */
export type BackupErrorCode =
  /** The file is not a backup of this system (no magic line) or of another kind than expected. */
  | 'NOT_A_BACKUP'
  /** The passphrase does not open this backup. */
  | 'WRONG_PASSPHRASE'
  /** The file is truncated, tampered with or malformed (its header or its sealed payload). */
  | 'BAD_BACKUP'
  /** The passphrase offered for a new backup is too weak, or none could be read. */
  | 'BAD_PASSPHRASE';

/** A backup that cannot be written or read; `code` says why. */
export class BackupError extends CodedError<BackupErrorCode> {
  override readonly name = 'BackupError';
}

const MAGIC = 'MPC-BACKUP 1\n';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const KCV_LABEL = 'mpc backup key check';
/** Shortest passphrase accepted for a new backup. */
export const MIN_PASSPHRASE_CHARS = 12;

/** scrypt's cost: 2^17 × 8 × 128 bytes = 128 MiB of memory, about half a second here. */
export const DEFAULT_KDF = { N: 2 ** 17, r: 8, p: 1 } as const;

/** What a backup says about itself (before the passphrase is known). */
export interface BackupHeader {
  /** What kind of node made it, e.g. `party` or `coordinator`. */
  readonly kind: string;
  /** When it was made (ISO 8601). */
  readonly createdAt: string;
  /** A summary of the content for the operator (counts, identity): never secret. */
  readonly holds: Readonly<Record<string, string | number | boolean>>;
}

interface StoredHeader extends BackupHeader {
  readonly kdf: { name: 'scrypt'; N: number; r: number; p: number; salt: string };
  readonly keyCheck: string;
}

/** scrypt off the event loop (libuv's pool): a running node keeps serving sessions meanwhile. */
function deriveKey(passphrase: string, kdf: StoredHeader['kdf']): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const opts = { N: kdf.N, r: kdf.r, p: kdf.p, maxmem: 256 * kdf.N * kdf.r };
    scrypt(passphrase.normalize('NFC'), Buffer.from(kdf.salt, 'hex'), 32, opts, (e, key) =>
      e ? reject(e) : resolve(key),
    );
  });
}

function keyCheck(key: Buffer): string {
  return createHmac('sha256', key).update(KCV_LABEL).digest().subarray(0, 16).toString('hex');
}

/** Seals `payload` into a backup file under `passphrase` (at least {@link MIN_PASSPHRASE_CHARS} characters). */
export async function sealBackup(
  header: BackupHeader,
  payload: Uint8Array,
  passphrase: string,
  kdfCost: { N: number; r: number; p: number } = DEFAULT_KDF,
): Promise<Uint8Array> {
  if ([...passphrase].length < MIN_PASSPHRASE_CHARS) {
    throw new BackupError('BAD_PASSPHRASE', `a backup passphrase needs at least ${MIN_PASSPHRASE_CHARS} characters`);
  }
  const kdf = { name: 'scrypt' as const, ...kdfCost, salt: randomBytes(16).toString('hex') };
  const key = await deriveKey(passphrase, kdf);
  try {
    const stored: StoredHeader = { ...header, kdf, keyCheck: keyCheck(key) };
    const head = Buffer.from(`${MAGIC}${JSON.stringify(stored)}\n`, 'utf8');
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(head);
    const body = Buffer.concat([cipher.update(payload), cipher.final()]);
    return new Uint8Array(Buffer.concat([head, nonce, body, cipher.getAuthTag()]));
  } finally {
    key.fill(0);
  }
}

/** The header of a backup file, readable without the passphrase. */
export function readBackupHeader(file: Uint8Array): BackupHeader {
  const { header } = split(file);
  return { kind: header.kind, createdAt: header.createdAt, holds: header.holds };
}

/**
 * Opens a backup file of `kind`: its header and payload. Throws {@link BackupError}: `NOT_A_BACKUP`,
 * `WRONG_PASSPHRASE` or `BAD_BACKUP` (truncated or tampered), never a partial result.
 */
export async function openBackup(
  file: Uint8Array,
  passphrase: string,
  kind: string,
): Promise<{ header: BackupHeader; payload: Uint8Array }> {
  const { header, head, sealed } = split(file);
  if (header.kind !== kind) {
    throw new BackupError('NOT_A_BACKUP', `this is a backup of a ${header.kind}, not of a ${kind}`);
  }
  if (sealed.length < NONCE_BYTES + TAG_BYTES) throw new BackupError('BAD_BACKUP', 'the backup is truncated');
  const key = await deriveKey(passphrase, header.kdf);
  try {
    const check = Buffer.from(keyCheck(key), 'hex');
    if (!timingSafeEqual(check, Buffer.from(header.keyCheck, 'hex'))) {
      throw new BackupError('WRONG_PASSPHRASE', 'the passphrase does not open this backup');
    }
    const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, NONCE_BYTES), {
      authTagLength: TAG_BYTES,
    });
    decipher.setAAD(head);
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    let payload: Buffer;
    try {
      payload = Buffer.concat([
        decipher.update(sealed.subarray(NONCE_BYTES, sealed.length - TAG_BYTES)),
        decipher.final(),
      ]);
    } catch (e) {
      throw new BackupError('BAD_BACKUP', 'the backup fails authentication: it is truncated or was changed', {
        cause: e,
      });
    }
    return {
      header: { kind: header.kind, createdAt: header.createdAt, holds: header.holds },
      payload: new Uint8Array(payload.buffer, payload.byteOffset, payload.length),
    };
  } finally {
    key.fill(0);
  }
}

/** Splits a file into its header (parsed and checked) and the sealed part. */
function split(file: Uint8Array): { header: StoredHeader; head: Uint8Array; sealed: Uint8Array } {
  const magic = Buffer.from(MAGIC, 'utf8');
  if (file.length < magic.length || !Buffer.from(file.subarray(0, magic.length)).equals(magic)) {
    throw new BackupError('NOT_A_BACKUP', 'the file is not a backup made by mpc (no "MPC-BACKUP 1" line)');
  }
  const end = file.indexOf(0x0a, magic.length);
  if (end < 0) throw new BackupError('BAD_BACKUP', 'the backup header is truncated');
  let header: StoredHeader;
  try {
    header = JSON.parse(Buffer.from(file.subarray(magic.length, end)).toString('utf8')) as StoredHeader;
  } catch (e) {
    throw new BackupError('BAD_BACKUP', 'the backup header is not valid JSON', { cause: e });
  }
  const k = header?.kdf;
  const ok =
    typeof header === 'object' &&
    typeof header.kind === 'string' &&
    typeof header.createdAt === 'string' &&
    typeof header.holds === 'object' &&
    header.holds !== null &&
    typeof header.keyCheck === 'string' &&
    /^[0-9a-f]{32}$/.test(header.keyCheck) &&
    typeof k === 'object' &&
    k !== null &&
    k.name === 'scrypt' &&
    typeof k.salt === 'string' &&
    /^[0-9a-f]{32}$/.test(k.salt) &&
    Number.isSafeInteger(k.N) &&
    k.N >= 2 ** 14 &&
    k.N <= 2 ** 20 &&
    (k.N & (k.N - 1)) === 0 &&
    Number.isSafeInteger(k.r) &&
    k.r >= 1 &&
    k.r <= 32 &&
    Number.isSafeInteger(k.p) &&
    k.p >= 1 &&
    k.p <= 16;
  if (!ok) throw new BackupError('BAD_BACKUP', 'the backup header is malformed');
  return { header, head: file.subarray(0, end + 1), sealed: file.subarray(end + 1) };
}
