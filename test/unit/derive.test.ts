/**
 * BIP32 public derivation of a threshold key (protocols/dkls23/derive.ts) and signing for a derived child, in
 * full and from a stored presignature (re-randomised: protocols/dkls23/online.ts). The child keys are checked
 * against an independent BIP32 implementation (@scure/bip32) and BIP32's published test vector.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { HDKey } from '@scure/bip32';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { equalBytes, toHex } from '../../protocols/common/bytes.js';
import { decodePoint, encodePoint, G, verifyEcdsa } from '../../protocols/common/curve.js';
import { ProtocolError } from '../../protocols/common/errors.js';
import {
  derivePath,
  encodeXpub,
  formatDerivationPath,
  parseDerivationPath,
  rootKey,
} from '../../protocols/dkls23/derive.js';
import type { KeyShare } from '../../protocols/dkls23/key-share.js';
import { createOnlineSign, type OnlineSignRun, type Signature, signatureR } from '../../protocols/dkls23/sign.js';
import { testCurve } from '../helpers/curve.js';
import { NetworkFailure, runNetwork } from '../helpers/network.js';
import { keygen, presign, sign } from '../helpers/parties.js';

const curve = testCurve();
const hashOf = (s: string) => sha256(new TextEncoder().encode(s));
const isInvalid = (e: unknown) => e instanceof ProtocolError && e.code === 'INVALID_ARGUMENT';

// BIP32 test vector 2: the master's xpub and its child m/0 (a non-hardened step, so public derivation reaches it)
const TV2_MASTER =
  'xpub661MyMwAqRbcFW31YEwpkMuc5THy2PSt5bDMsktWQcFF8syAmRUapSCGu8ED9W6oDMSgv6Zz8idoc4a6mr8BDzTJY47LJhkJ8UB7WEGuduB';
const TV2_M0 =
  'xpub69H7F5d8KSRgmmdJg2KhpAK8SR3DjMwAdkxj3ZuxV27CprR9LgpeyGmXUbC6wb7ERfvrnKZjXoUmmDznezpbZb7ap6r1D3tgFxHmwMkQTPH';

const shares = keygen(3, 2, 'derive').results;
const share1 = shares.get(1) as KeyShare;
const root = rootKey(share1.publicKey, share1.chainCode as Uint8Array);

test('BIP32 test vector 2: the master xpub re-encodes and m/0 derives to the published xpub', () => {
  const master = HDKey.fromExtendedKey(TV2_MASTER);
  const ours = rootKey(decodePoint(master.publicKey as Uint8Array), master.chainCode as Uint8Array);
  assert.is(encodeXpub(ours), TV2_MASTER);
  assert.is(encodeXpub(derivePath(curve, ours, [0]).key), TV2_M0);
});

test('child keys of a threshold key equal @scure/bip32 derivations from its xpub', () => {
  const xpub = encodeXpub(root);
  assert.ok(xpub.startsWith('xpub'));
  const hd = HDKey.fromExtendedKey(xpub);
  for (const path of ['m/0', 'm/0/5', 'm/44/60/0/0/7', 'm/2147483647/1']) {
    const ours = derivePath(curve, root, parseDerivationPath(path));
    const theirs = hd.derive(path);
    assert.is(toHex(encodePoint(ours.key.publicKey)), toHex(theirs.publicKey as Uint8Array), path);
    assert.is(encodeXpub(ours.key), theirs.publicExtendedKey, path);
    // child = parent + tweak·G
    assert.ok(ours.key.publicKey.equals(share1.publicKey.add(G.multiply(ours.tweak))), path);
  }
  assert.is(derivePath(curve, root, []).tweak, 0n);
});

test('derivation paths: parsed and formatted; hardened, too deep or malformed ones refused naming the problem', () => {
  assert.equal(parseDerivationPath('m'), []);
  assert.equal(parseDerivationPath('m/0/5'), [0, 5]);
  assert.is(formatDerivationPath([0, 5]), 'm/0/5');
  const refused = (path: string, word: string) =>
    assert.throws(
      () => parseDerivationPath(path),
      (e: unknown) => isInvalid(e) && (e as Error).message.includes(word),
      path,
    );
  refused("m/0'/1", 'hardened');
  refused('m/0h', 'hardened');
  refused('m/2147483648', 'hardened');
  refused('0/1', 'starts with');
  refused('m/', 'not a number');
  refused('m/-1', 'not a number');
  refused('m/1/2/3/4/5/6/7/8/9', 'at most 8');
  assert.throws(() => derivePath(curve, root, [0x8000_0000]), isInvalid);
});

test('a full signing for a derived child verifies under the child key only', () => {
  const d = derivePath(curve, root, [0, 5]);
  const hash = hashOf('derived full');
  const sig = sign(shares, [1, 3], hash, 'derived-full', { tweak: d.tweak }).results.get(1) as Signature;
  assert.ok(verifyEcdsa(curve, sig.r, sig.s, hash, d.key.publicKey));
  assert.not.ok(verifyEcdsa(curve, sig.r, sig.s, hash, share1.publicKey));
});

/** The online runs of `signers` from fresh presignatures, for `tweak`, in session `sessionId`. */
function onlineRuns(label: string, hash: Uint8Array, tweakOf: (i: number) => bigint, sessionOf = (_i: number) => 'o') {
  const pres = presign(shares, [1, 2], label).results;
  const R = (pres.get(1) as { R: (typeof share1)['publicKey'] }).R;
  const runs = new Map<number, OnlineSignRun>(
    [...pres].map(([i, p]) => [
      i,
      createOnlineSign(p, hash, curve, { sessionId: hashOf(sessionOf(i)), tweak: tweakOf(i) }),
    ]),
  );
  return { R, runs };
}

test('derived signing from a presignature is re-randomised: the final R differs from the presignature R', () => {
  const d = derivePath(curve, root, [0, 5]);
  const hash = hashOf('derived presigned');
  const { R, runs } = onlineRuns('rerandomise', hash, () => d.tweak);
  const sig = runNetwork(runs).results.get(1) as Signature;
  assert.ok(verifyEcdsa(curve, sig.r, sig.s, hash, d.key.publicKey), 'verifies under the child key');
  const finalR = (runs.get(1) as OnlineSignRun).terms.R;
  assert.not.ok(finalR.equals(R), 'R was re-randomised');
  assert.is(sig.r, signatureR(finalR).r, 'the signature uses the re-randomised R');
  assert.is.not(sig.r, signatureR(R).r, 'and not the presignature R');
  // the key itself (no path) is re-randomised too
  const plain = onlineRuns('rerandomise-root', hash, () => 0n);
  const sig0 = runNetwork(plain.runs).results.get(2) as Signature;
  assert.ok(verifyEcdsa(curve, sig0.r, sig0.s, hash, share1.publicKey));
  assert.is.not(sig0.r, signatureR(plain.R).r);
});

test('signers that disagree on the child key or the session fail SESSION_MISMATCH naming the other', () => {
  const hash = hashOf('disagree');
  const a = derivePath(curve, root, [0, 5]).tweak;
  const b = derivePath(curve, root, [0, 6]).tweak;
  const cases = [
    onlineRuns('disagree-tweak', hash, (i) => (i === 1 ? a : b)).runs,
    onlineRuns(
      'disagree-session',
      hash,
      () => a,
      (i) => `session-${i}`,
    ).runs,
  ];
  for (const runs of cases) {
    try {
      runNetwork(runs);
      assert.unreachable('signing succeeded');
    } catch (e) {
      assert.ok(e instanceof NetworkFailure, String(e));
      const f = e as NetworkFailure;
      assert.is(f.error.code, 'SESSION_MISMATCH');
      assert.is(f.error.culprit, f.party === 1 ? 2 : 1);
    }
  }
});

test('a key share without a chain code (made before chain codes) is still a key; chain codes are 32 bytes', () => {
  assert.throws(() => rootKey(share1.publicKey, new Uint8Array(31)), isInvalid);
  assert.ok(equalBytes(root.chainCode, share1.chainCode as Uint8Array));
});

test.run();
