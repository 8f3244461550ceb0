/**
 * The key a signing request signs for: the account key itself, or its BIP32 child at a non-hardened path, derived
 * here from the public key and chain code — the signature is checked against this key before it is released. The
 * parties derive the same child from their shares' chain code (src/party/child-key.ts): the record names the
 * path, never a tweak.
 */
import { hexToBytes } from '@noble/hashes/utils.js';
import { decodePoint, encodePoint } from '../../protocols/common/curve.js';
import { derivePath, formatDerivationPath, rootKey } from '../../protocols/dkls23/derive.js';
import { nodeSuite } from '../../src/runtime/suite.js';
import type { AccountRow } from '../db/types.js';
import { CoordinatorError } from '../errors.js';

/** The key signed for: its compressed bytes, the account key's for the key itself, and its path (`m` if none). */
export interface SigningKey {
  readonly publicKey: Uint8Array;
  readonly accountKey: Uint8Array;
  readonly derivationPath: string;
  /** The path's child numbers, as a signing record names them (empty for the account key itself). */
  readonly steps: readonly number[];
}

/**
 * The key an active account signs for at `path` (none or empty: the account key). Throws `CONFLICT` for a path
 * on an account whose key has no chain code (made before keys had one).
 */
export function signingKey(account: AccountRow, path: readonly number[] | undefined): SigningKey {
  const accountKey = hexToBytes((account.publicKey as string).slice(2));
  if (path === undefined || path.length === 0) {
    return { publicKey: accountKey, accountKey, derivationPath: 'm', steps: [] };
  }
  if (account.chainCode === null) {
    throw new CoordinatorError(
      'CONFLICT',
      `account ${account.accountId} has no chain code (its key was made before HD derivation): it signs only without derivationPath`,
    );
  }
  const root = rootKey(decodePoint(accountKey), hexToBytes(account.chainCode));
  const child = derivePath(nodeSuite().curve, root, path);
  return {
    publicKey: encodePoint(child.key.publicKey),
    accountKey,
    derivationPath: formatDerivationPath(path),
    steps: [...path],
  };
}
