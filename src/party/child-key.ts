/** The child key a signing record names by its BIP32 derivation path, as this party derives it. */
import { ProtocolError } from '../../protocols/common/errors.js';
import type { SessionRecord } from '../../protocols/control/record.js';
import { derivePath, rootKey } from '../../protocols/dkls23/derive.js';
import type { KeyShare } from '../../protocols/dkls23/key-share.js';
import { nodeSuite } from '../runtime/suite.js';

/**
 * The tweak of the child key a signing record names by its derivation path (0 for the key itself), derived here
 * from this share's chain code: the coordinator names the path, never the tweak. A key made before chain codes
 * has no children (`NO_CHAIN_CODE`).
 */
export function childTweak(share: KeyShare, record: SessionRecord): bigint {
  const path = record.derivationPath;
  if (path === undefined || path.length === 0) return 0n;
  if (!share.chainCode)
    throw new ProtocolError('NO_CHAIN_CODE', 'this key has no chain code: it derives no child keys');
  return derivePath(nodeSuite().curve, rootKey(share.publicKey, share.chainCode), path).tweak;
}
