/**
 * The judges of keygen and signing attempts: what the results so far say (see attempt.ts for verdicts). A keygen
 * is ok when every party reported the same public key; a signing when one released signature verifies under the
 * account key; a signing from a presignature when the signers' online shares add up to a signature that verifies.
 */
import { bytesToHex } from '@noble/hashes/utils.js';
import { ProtocolError } from '../../protocols/common/errors.js';
import type { SessionResult } from '../../protocols/control/control.js';
import { compressedR, signatureOfSums } from '../../protocols/dkls23/sign.js';
import type { SignatureView } from '../service.js';
import { type Judge, verdictOfFailures } from './attempt.js';
import { checkSignature } from './ethereum.js';

/**
 * A keygen's outcome: the agreed public key and chain code (none from parties that predate chain codes), and the
 * delegate's sealed share for hybrid custody.
 */
export interface KeygenValue {
  publicKey: Uint8Array;
  chainCode?: Uint8Array;
  userShare?: Uint8Array;
}

/**
 * The judge of an N-party keygen; `delegate` is the delegate node of a hybrid-custody keygen, whose result (and
 * only whose) carries the user share sealed for the caller; `partyAt` names the parties of the record's indices
 * (culprits, and the peer a party refused for a ban, whom a retry leaves out).
 */
export function keygenJudge(
  n: number,
  delegate: string | undefined,
  partyAt: (index: number) => string | undefined,
): Judge<KeygenValue> {
  return (results, latest) => {
    const failure = verdictOfFailures(results, partyAt);
    if (failure) return failure;
    const r = results.get(latest);
    const bad = (message: string) => ({ kind: 'failed' as const, code: 'BAD_RESULT', message, culprits: [latest] });
    if (r && !r.publicKey) return bad('a keygen result without a public key');
    // only the delegate hands out a share, and it must
    if (r && latest === delegate && !r.userShare) return bad('the delegate node returned no user share');
    if (r && latest !== delegate && r.userShare) return bad('a party that keeps its share returned a user share');
    if (results.size < n) return undefined;
    const keys = new Set([...results.values()].map((x) => bytesToHex(x.publicKey as Uint8Array)));
    const mismatch = (what: string) =>
      ({
        kind: 'failed',
        code: 'KEY_MISMATCH',
        message: `the parties reported different ${what}`,
        culprits: [] as string[],
      }) as const;
    if (keys.size !== 1) return mismatch('public keys');
    // every party reports the same chain code, or (parties of an older version) none does
    const chains = new Set([...results.values()].map((x) => (x.chainCode ? bytesToHex(x.chainCode) : '')));
    if (chains.size !== 1) return mismatch('chain codes');
    const { publicKey, chainCode } = results.get(latest) as SessionResult;
    const userShare = delegate === undefined ? undefined : results.get(delegate)?.userShare;
    return {
      kind: 'ok',
      value: {
        publicKey: publicKey as Uint8Array,
        ...(chainCode ? { chainCode } : {}),
        ...(userShare ? { userShare } : {}),
      },
    };
  };
}

/** The judge of a signing of `hash` under `publicKey`. */
export function signJudge(
  hash: Uint8Array,
  publicKey: Uint8Array,
  ids: { accountId: string; sessionId: string; derivationPath?: string },
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

/**
 * The judge of a signing from a presignature by `n` signers, which the coordinator combines: each signer answers
 * with its online share (R', u_i, w_i). Once every share is in they must name the same re-randomised nonce point
 * R' (else `SESSION_MISMATCH`, naming the signers that differ from the point most of them named, or all of them
 * when no point has a majority), and `s = Σw / Σu` (low s) must verify under `publicKey` with its recovery id
 * (checkSignature, libsecp256k1), else `SIGNATURE_INVALID`: final, no culprit (the online round has no per-share
 * check), as when the signers combine.
 */
export function onlineJudge(
  hash: Uint8Array,
  publicKey: Uint8Array,
  ids: { accountId: string; sessionId: string; derivationPath?: string },
  n: number,
  partyAt: (index: number) => string | undefined,
): Judge<SignatureView> {
  return (results, latest) => {
    const failure = verdictOfFailures(results, partyAt);
    if (failure) return failure;
    if (!results.get(latest)?.onlineShare) {
      return {
        kind: 'failed',
        code: 'BAD_RESULT',
        message: `party ${latest} answered a signing from a presignature without an online share`,
        culprits: [latest],
      };
    }
    if (results.size < n) return undefined;
    const byPoint = new Map<string, string[]>();
    for (const [party, r] of results) {
      const key = bytesToHex(r.onlineShare?.R as Uint8Array);
      byPoint.set(key, [...(byPoint.get(key) ?? []), party]);
    }
    if (byPoint.size > 1) {
      const groups = [...byPoint.values()].sort((a, b) => b.length - a.length);
      const most = groups[0] as string[];
      const majority = most.length > (groups[1] as string[]).length ? new Set(most) : new Set<string>();
      return {
        kind: 'failed',
        code: 'SESSION_MISMATCH',
        message: 'the signers re-randomised the presignature to different nonce points',
        culprits: [...results.keys()].filter((p) => !majority.has(p)),
      };
    }
    let sumU = 0n;
    let sumW = 0n;
    for (const r of results.values()) {
      sumU += r.onlineShare?.u ?? 0n;
      sumW += r.onlineShare?.w ?? 0n;
    }
    // the agreed R' as the answers encode it (its decoder checked it is on the curve): x and the y-parity are all
    // the signature needs, so it is not decompressed again
    const R = results.get(latest)?.onlineShare?.R as Uint8Array;
    const invalid = (why: string) =>
      ({
        kind: 'failed',
        code: 'SIGNATURE_INVALID',
        message: `the signers' online shares do not add up to a valid signature: ${why}`,
        culprits: [] as string[],
      }) as const;
    let sig: { r: bigint; s: bigint; recovery: number };
    try {
      sig = signatureOfSums(compressedR(R), sumU, sumW, 1);
    } catch (e) {
      if (e instanceof ProtocolError) return invalid(e.message);
      throw e;
    }
    const checked = checkSignature(sig, hash, publicKey, ids);
    if (!checked.ok) return invalid(checked.reason);
    return { kind: 'ok', value: { ...checked.view, presigned: true } };
  };
}

/**
 * The judge of a reshare of the account's key among `m` session parties: like a keygen's (every party reports
 * the same public key and chain code), and they must be the account's — the new shares add up to the old key
 * and keep its chain code (so its xpub).
 */
export function reshareJudge(
  m: number,
  key: { publicKey: Uint8Array; chainCode: Uint8Array | undefined },
  partyAt: (index: number) => string | undefined,
): Judge<KeygenValue> {
  const keygen = keygenJudge(m, undefined, partyAt);
  const hex = (b: Uint8Array | undefined) => (b ? bytesToHex(b) : '');
  return (results, latest) => {
    const verdict = keygen(results, latest);
    if (verdict?.kind !== 'ok') return verdict;
    const v = verdict.value;
    if (hex(v.publicKey) === hex(key.publicKey) && hex(v.chainCode) === hex(key.chainCode)) return verdict;
    return {
      kind: 'failed',
      code: 'KEY_MISMATCH',
      message: 'the parties reported a public key or chain code other than the account’s',
      culprits: [],
    };
  };
}
