/**
 * The judges of keygen and signing attempts: what the results so far say (see attempt.ts for verdicts). A keygen
 * is ok when every party reported the same public key; a signing when one released signature verifies under the
 * account key.
 */
import { bytesToHex } from '@noble/hashes/utils.js';
import type { SessionResult } from '../../protocols/control/control.js';
import type { SignatureView } from '../service.js';
import { type Judge, verdictOfFailures } from './attempt.js';
import { checkSignature } from './ethereum.js';

/** The judge of an N-party keygen. */
export function keygenJudge(n: number): Judge<Uint8Array> {
  return (results, latest) => {
    const failure = verdictOfFailures(results, () => undefined);
    if (failure) return failure;
    const r = results.get(latest);
    if (r && !r.publicKey)
      return {
        kind: 'failed',
        code: 'BAD_RESULT',
        message: 'a keygen result without a public key',
        culprits: [latest],
      };
    if (results.size < n) return undefined;
    const keys = new Set([...results.values()].map((x) => bytesToHex(x.publicKey as Uint8Array)));
    if (keys.size !== 1)
      return {
        kind: 'failed',
        code: 'KEY_MISMATCH',
        message: 'the parties reported different public keys',
        culprits: [],
      };
    return { kind: 'ok', value: (results.get(latest) as SessionResult).publicKey as Uint8Array };
  };
}

/** The judge of a signing of `hash` under `publicKey`. */
export function signJudge(
  hash: Uint8Array,
  publicKey: Uint8Array,
  ids: { accountId: string; sessionId: string },
  partyAt: (index: number) => string | undefined,
): Judge<SignatureView> {
  return (results, latest) => {
    const r = results.get(latest);
    if (r?.status === 'ok') {
      if (!r.signature)
        return {
          kind: 'failed',
          code: 'BAD_RESULT',
          message: 'a signing result without a signature',
          culprits: [latest],
        };
      const checked = checkSignature(r.signature, hash, publicKey, ids);
      if (checked.ok) return { kind: 'ok', value: checked.view };
      return {
        kind: 'failed',
        code: 'BAD_SIGNATURE',
        message: `party ${latest} released a bad signature: ${checked.reason}`,
        culprits: [latest],
      };
    }
    return verdictOfFailures(results, partyAt);
  };
}
