/**
 * Sealing of secret values with AES-256-GCM (node:crypto).
 *
 * Format: `version (1 byte) ‖ nonce (12 bytes) ‖ ciphertext ‖ tag (16 bytes)`. The nonce is fresh random bytes
 * per seal: one key seals many values over the node's life and a counter would have to survive crashes.
 * The AAD is `context ‖ version`, where the context names the value's place (the record key in the store,
 * keyId ‖ index for a user share), so a sealed value copied to another place fails to open instead of being
 * taken for the other value, and a version byte swapped on disk fails too.
 */
import { createCipheriv, createDecipheriv, type KeyObject, randomBytes } from 'node:crypto';
import { StoreError } from './errors.js';

/** Current version of the sealed format. */
export const SEALED_VERSION = 1;
/** Bytes of the GCM nonce. */
export const NONCE_BYTES = 12;
/** Bytes of the GCM tag. */
export const TAG_BYTES = 16;
/** Bytes a sealed value adds to its plaintext. */
export const SEALED_OVERHEAD = 1 + NONCE_BYTES + TAG_BYTES;

const ALGORITHM = 'aes-256-gcm';

/** The AAD: the context followed by the format version (the version is fixed-width, so the split is unique). */
function aad(context: Uint8Array, version: number): Uint8Array {
  const out = new Uint8Array(context.length + 1);
  out.set(context, 0);
  out[context.length] = version;
  return out;
}

/** Encrypts `plaintext` under `key`, bound to `context`; returns a self-contained versioned blob. */
export function seal(key: KeyObject, context: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv(ALGORITHM, key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad(context, SEALED_VERSION));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const tag = cipher.getAuthTag();
  const out = new Uint8Array(SEALED_OVERHEAD + body.length);
  out[0] = SEALED_VERSION;
  out.set(nonce, 1);
  out.set(body, 1 + NONCE_BYTES);
  out.set(tag, 1 + NONCE_BYTES + body.length);
  return out;
}

/**
 * Decrypts a blob made by {@link seal} with the same key and context. Throws {@link StoreError}
 * `DECRYPT_FAILED` for a wrong key, another context, an unknown version, truncation or any flipped bit;
 * `what` names the value in the message (never its bytes).
 */
export function open(key: KeyObject, context: Uint8Array, sealed: Uint8Array, what = 'sealed value'): Uint8Array {
  if (sealed.length < SEALED_OVERHEAD) {
    throw new StoreError('DECRYPT_FAILED', `${what}: ${sealed.length} bytes is too short to be a sealed value`);
  }
  const version = sealed[0] as number;
  if (version !== SEALED_VERSION) {
    throw new StoreError('DECRYPT_FAILED', `${what}: unknown sealed-format version ${version}`);
  }
  const nonce = sealed.subarray(1, 1 + NONCE_BYTES);
  const body = sealed.subarray(1 + NONCE_BYTES, sealed.length - TAG_BYTES);
  const tag = sealed.subarray(sealed.length - TAG_BYTES);
  try {
    const decipher = createDecipheriv(ALGORITHM, key, nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad(context, version));
    decipher.setAuthTag(tag);
    const out = Buffer.concat([decipher.update(body), decipher.final()]);
    return new Uint8Array(out.buffer, out.byteOffset, out.length);
  } catch (e) {
    // node:crypto's message ("Unsupported state or unable to authenticate data") says nothing more useful.
    throw new StoreError(
      'DECRYPT_FAILED',
      `${what}: authentication failed (wrong master key, value moved from another record, or tampered bytes)`,
      { cause: e },
    );
  }
}
