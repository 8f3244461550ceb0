/**
 * The judge of a presign attempt: every signer reports ok with the same nonce point R. A signer that reports ok
 * without an R is the culprit; when the reported R differ, the parties outside a strict majority are named (with
 * two signers there is none: the verdict names nobody, and says the signers disagree).
 */
import { bytesToHex } from '@noble/hashes/utils.js';
import { type Judge, verdictOfFailures } from './attempt.js';

/** A presigning's outcome: the nonce point R every signer reported (33 bytes, compressed). */
export interface PresignValue {
  R: Uint8Array;
}

/** The judge of a presigning by `n` signers; `partyAt` names the parties of the record's indices. */
export function presignJudge(n: number, partyAt: (index: number) => string | undefined): Judge<PresignValue> {
  return (results, latest) => {
    const failure = verdictOfFailures(results, partyAt);
    if (failure) return failure;
    const r = results.get(latest);
    if (r && !r.presignedR) {
      return { kind: 'failed', code: 'BAD_RESULT', message: 'a presign result without R', culprits: [latest] };
    }
    if (results.size < n) return undefined;
    const byR = new Map<string, string[]>();
    for (const [party, x] of results) {
      const key = bytesToHex(x.presignedR as Uint8Array);
      byR.set(key, [...(byR.get(key) ?? []), party]);
    }
    if (byR.size === 1) return { kind: 'ok', value: { R: results.get(latest)?.presignedR as Uint8Array } };
    const groups = [...byR.values()].sort((a, b) => b.length - a.length);
    const majority = (groups[0]?.length ?? 0) * 2 > n ? groups[0] : undefined;
    return {
      kind: 'failed',
      code: 'R_MISMATCH',
      message: majority
        ? 'signers reported a nonce point R other than the majority’s'
        : 'the signers reported different nonce points R (no majority)',
      culprits: majority ? [...results.keys()].filter((p) => !majority.includes(p)) : [],
    };
  };
}
