/**
 * The coordinator's typed error. Its `code` is the REST API's error code, so a failure deep in orchestration or
 * the database reaches the client as `{"error":{"code","message"}}` with the matching HTTP status.
 */

import { CodedError } from '../protocols/common/errors.js';

/** Stable error codes of the REST API. */
export type ApiErrorCode =
  | 'INVALID_REQUEST'
  /** Signing this account needs its user share (hybrid custody) and the request brought none. */
  | 'USER_SHARE_REQUIRED'
  /** The request's user share is not one of this account (tampered, truncated, another account's). */
  | 'INVALID_USER_SHARE'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'RATE_LIMITED'
  | 'UNAVAILABLE'
  | 'TIMEOUT'
  | 'SIGNING_FAILED'
  | 'INTERNAL';

/** HTTP status of each code. */
export const HTTP_STATUS: Readonly<Record<ApiErrorCode, number>> = {
  INVALID_REQUEST: 400,
  USER_SHARE_REQUIRED: 400,
  INVALID_USER_SHARE: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  RATE_LIMITED: 429,
  UNAVAILABLE: 503,
  TIMEOUT: 504,
  SIGNING_FAILED: 502,
  INTERNAL: 500,
};

/** A failure with a stable {@link ApiErrorCode}; `message` is safe to show to API clients (never a secret). */
export class CoordinatorError extends CodedError<ApiErrorCode> {
  override readonly name = 'CoordinatorError';

  /** `details` are extra facts for the client (e.g. `sessionId`, `culprits`), returned beside code and message. */
  constructor(code: ApiErrorCode, message: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(code, message, { details, cause: options?.cause });
  }
}

/** True when `e` is a {@link CoordinatorError} (with `code`, when given). */
export function isCoordinatorError(e: unknown, code?: ApiErrorCode): e is CoordinatorError {
  return e instanceof CoordinatorError && (code === undefined || e.code === code);
}
