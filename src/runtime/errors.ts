/**
 * Errors of a node's start-up configuration (master key, API keys, key files, every setting of a start command,
 * the data directory's permissions, the curve backend): what an operator must fix before a process can run. Part of the one error
 * family ({@link CodedError}); messages say what is wrong and how to fix it, and never echo a secret.
 */
import { CodedError } from '../../protocols/common/errors.js';

/** Stable codes of {@link ConfigError}. */
export type ConfigErrorCode =
  /** No master key was configured (neither `CRYPTO_MASTER_KEY` nor `--master-key-file`). */
  | 'NO_MASTER_KEY'
  /** A master key was configured but is malformed (not exactly 64 hex characters, unreadable file, all zeros). */
  | 'BAD_MASTER_KEY'
  /** No REST API key was configured for the coordinator (neither `MPC_API_KEY` nor `--api-key-file`). */
  | 'NO_API_KEY'
  /** A configured API key is unusable (too short, unreadable key file). */
  | 'BAD_API_KEY'
  /** The coordinator's address is not a multiaddr ending in `/p2p/<peer id>`. */
  | 'BAD_COORDINATOR'
  /** `MPC_CURVE_BACKEND` names no backend, or the one it forces does not load on this machine. */
  | 'BAD_CURVE_BACKEND'
  /** A setting (flag or environment variable) has a value the node cannot run with; the message names both. */
  | 'BAD_CONFIG'
  /** The data directory is open to other users and `--allow-shared-dir` was not given. */
  | 'SHARED_DATA_DIR';

/** A configuration an operator must fix; `code` says which. */
export class ConfigError extends CodedError<ConfigErrorCode> {
  override readonly name = 'ConfigError';
}
