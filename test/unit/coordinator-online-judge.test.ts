/**
 * The coordinator's combiner of a signing from a presignature (judges.ts `onlineJudge`): each signer's online
 * share (R', u_i, w_i) from real presignatures adds up to a signature that ethers recovers to the account's address;
 * a share without the online part, signers naming different nonce points, and shares that do not add up to a valid
 * signature are refused with their codes and culprits.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { recoverAddress } from 'ethers';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Verdict } from '../../coordinator/orchestration/attempt.js';
import { ethereumAddress } from '../../coordinator/orchestration/ethereum.js';
import { onlineJudge } from '../../coordinator/orchestration/judges.js';
import type { SignatureView } from '../../coordinator/service.js';
import { toHex } from '../../protocols/common/bytes.js';
import { CURVE_ORDER } from '../../protocols/common/curve.js';
import type { SessionResult } from '../../protocols/control/control.js';
import type { KeyShare } from '../../protocols/dkls23/key-share.js';
import { presignedShare } from '../../protocols/dkls23/sign.js';
import { testCurve } from '../helpers/curve.js';
import { keygen, presign } from '../helpers/parties.js';

const enc = new TextEncoder();
const shares: Map<number, KeyShare> = keygen(3, 3, 'online-judge').results;
const publicKey = (shares.get(1) as KeyShare).publicKey.toBytes(true);
const ids = { accountId: 'acct', sessionId: 'sess' };
const partyAt = (i: number) => `party-${i}`;

/** The signers' answers to one signing of `label` from a fresh presignature by 1, 2, 3. */
function answers(label: string): { hash: Uint8Array; results: Map<string, SessionResult> } {
  const pres = presign(shares, [1, 2, 3], label).results;
  const hash = sha256(enc.encode(label));
  const sessionId = sha256(enc.encode(`online-${label}`));
  const results = new Map<string, SessionResult>();
  for (const [i, p] of pres) {
    const { terms, share } = presignedShare(p, hash, testCurve(), { sessionId, tweak: 0n });
    results.set(partyAt(i), {
      sessionId,
      status: 'ok',
      onlineShare: { R: terms.R.toBytes(true), u: share.u, w: share.w },
    });
  }
  return { hash, results };
}

/** The judge's verdict after the results arrive one by one, in order. */
function judge(hash: Uint8Array, results: Map<string, SessionResult>): Verdict<SignatureView> | undefined {
  const j = onlineJudge(hash, publicKey, ids, results.size, partyAt);
  const seen = new Map<string, SessionResult>();
  let verdict: Verdict<SignatureView> | undefined;
  for (const [p, r] of results) {
    seen.set(p, r);
    verdict = j(seen, p);
    if (verdict && seen.size < results.size) return verdict;
  }
  return verdict;
}

test('the online shares add up to a signature the coordinator releases; ethers recovers the account address', () => {
  const { hash, results } = answers('pay');
  const j = onlineJudge(hash, publicKey, ids, 3, partyAt);
  const first = new Map([...results].slice(0, 2));
  assert.is(j(first, 'party-2'), undefined, 'waits for every signer');
  const v = judge(hash, results);
  assert.ok(v?.kind === 'ok', JSON.stringify(v));
  assert.is(v.value.presigned, true);
  assert.is(recoverAddress(`0x${toHex(hash)}`, v.value.signatureHex), ethereumAddress(publicKey));
  assert.ok(BigInt(v.value.signature.s) <= CURVE_ORDER >> 1n, 'low s');
});

test('refusals: no online share (BAD_RESULT), different nonce points (SESSION_MISMATCH), bad shares (SIGNATURE_INVALID)', () => {
  const { hash, results } = answers('refusals');
  const withShare = (p: string, f: (s: NonNullable<SessionResult['onlineShare']>) => object) => {
    const copy = new Map(results);
    const r = copy.get(p) as SessionResult;
    copy.set(p, {
      ...r,
      onlineShare: { ...(r.onlineShare as NonNullable<SessionResult['onlineShare']>), ...f(r.onlineShare!) },
    });
    return copy;
  };
  const failed = (v: Verdict<SignatureView> | undefined) => {
    assert.ok(v?.kind === 'failed', JSON.stringify(v));
    return { code: v.code, culprits: [...v.culprits].sort() };
  };

  // an ok answer that carries a signature instead of an online share: its sender is named
  const noShare = new Map(results);
  noShare.set('party-2', {
    sessionId: (results.get('party-2') as SessionResult).sessionId,
    status: 'ok',
    signature: { r: 1n, s: 1n, recovery: 0 },
  });
  assert.equal(failed(judge(hash, noShare)), { code: 'BAD_RESULT', culprits: ['party-2'] });

  // one signer re-randomised to another point (another session or message): the two others agree, it is named
  const otherR = (answers('another').results.get('party-1') as SessionResult).onlineShare!.R;
  assert.equal(
    failed(
      judge(
        hash,
        withShare('party-3', () => ({ R: otherR })),
      ),
    ),
    {
      code: 'SESSION_MISMATCH',
      culprits: ['party-3'],
    },
  );

  // a tampered w: the sum is no signature under the key; the online round cannot tell whose share it was
  assert.equal(
    failed(
      judge(
        hash,
        withShare('party-1', (s) => ({ w: (s.w + 1n) % CURVE_ORDER })),
      ),
    ),
    {
      code: 'SIGNATURE_INVALID',
      culprits: [],
    },
  );
  // shares that add up to Σu = 0: refused as invalid, never divided by
  const sumOthers = [...results].filter(([p]) => p !== 'party-1').reduce((a, [, r]) => a + r.onlineShare!.u, 0n);
  assert.equal(
    failed(
      judge(
        hash,
        withShare('party-1', () => ({ u: (CURVE_ORDER - (sumOthers % CURVE_ORDER)) % CURVE_ORDER })),
      ),
    ),
    {
      code: 'SIGNATURE_INVALID',
      culprits: [],
    },
  );
  // another message than the one the coordinator asked for
  assert.equal(failed(judge(sha256(enc.encode('not this')), results)), { code: 'SIGNATURE_INVALID', culprits: [] });

  // a failed answer is judged as in every signing: its code and culprit
  const withFailure = new Map(results);
  withFailure.set('party-3', {
    sessionId: (results.get('party-3') as SessionResult).sessionId,
    status: 'failed',
    error: { code: 'DERIVATION_INVALID', round: 0, culprits: [] },
  });
  assert.is(failed(judge(hash, withFailure)).code, 'DERIVATION_INVALID');
});

test.run();
