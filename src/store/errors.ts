/**
 * Errors of the party's encrypted store. Callers branch on `code` (stable, part of the API), never on the message.
 * Messages name records and paths but never carry key material, share bytes or plaintext.
 */

import { CodedError } from '../../protocols/common/errors.js';

/** Stable codes of {@link StoreError}. */
export type StoreErrorCode =
  /** The data directory is open in another process (a running node holds its lock). */
  | 'LOCKED'
  /** A sealed value failed authentication: wrong key, moved to another record, tampered or truncated. */
  | 'DECRYPT_FAILED'
  /** A value decrypted but does not decode, or contradicts the record it is stored under. */
  | 'CORRUPT_RECORD'
  /** The record asked for does not exist. */
  | 'NOT_FOUND'
  /** A write would overwrite a record that must never be overwritten silently. */
  | 'ALREADY_EXISTS'
  /** A session id was already used for this key (a party must never accept one twice). */
  | 'SESSION_REPLAYED'
  /** A presignature was already taken (each may be used for one signature only). */
  | 'PRESIGNATURE_USED'
  /** A presignature was asked for by a signer set other than the one that made it (it is used up all the same). */
  | 'PRESIGNATURE_SIGNERS'
  /** A caller passed an argument the store cannot accept (empty id, used presignature, …). */
  | 'INVALID_ARGUMENT';

/** An error of the store, with a stable {@link StoreErrorCode}. */
export class StoreError extends CodedError<StoreErrorCode> {
  override readonly name = 'StoreError';
}

/** True when `e` is a {@link StoreError}, optionally with the given code. */
export function isStoreError(e: unknown, code?: StoreErrorCode): e is StoreError {
  return e instanceof StoreError && (code === undefined || e.code === code);
}
