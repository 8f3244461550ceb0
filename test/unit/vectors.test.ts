/**
 * Golden vectors: with seeded randomness a 2-of-3 keygen and a signature, its chain code, xpub and a signature
 * for the child m/0/5 (in full, and from a presignature re-randomised for one online session), and a refresh and
 * a reshare of that key, give a fixed transcript hash and a fixed signature. Any change to a message format, a hash tag or the order of random draws changes them, so
 * such a change is always deliberate: regenerate with `UPDATE_VECTORS=1 npm test` and review the diff.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { sha256 } from '@noble/hashes/sha2.js';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { toHex } from '../../protocols/common/bytes.js';
import { encodePoint } from '../../protocols/common/curve.js';
import { derivePath, encodeXpub, rootKey } from '../../protocols/dkls23/derive.js';
import { encodeKeyShare, type KeyShare } from '../../protocols/dkls23/key-share.js';
import { createOnlineSign, type OnlineSignRun, type Signature } from '../../protocols/dkls23/sign.js';
import { testCurve } from '../helpers/curve.js';
import { runNetwork } from '../helpers/network.js';
import { keygen, nodeId, presign, reshare, sign } from '../helpers/parties.js';

const PATH = fileURLToPath(new URL('../vectors/golden-2of3.json', import.meta.url));
const RESHARE_PATH = fileURLToPath(new URL('../vectors/golden-reshare.json', import.meta.url));

function compute() {
  const kg = keygen(3, 2, 'golden');
  const messageHash = sha256(new TextEncoder().encode('golden message'));
  const sg = sign(kg.results, [1, 3], messageHash, 'golden-sign');
  const sig = sg.results.get(1) as Signature;
  return {
    description: 'DKLs23 2-of-3 keygen and a signature by parties 1 and 3 with seeded randomness (test/helpers/rng.ts)',
    keygen: {
      seed: 'golden',
      transcriptSha256: toHex(kg.transcriptHash),
      bytes: kg.bytes,
      publicKey: toHex(kg.results.get(1)!.publicKey.toBytes(true)),
      keyShareSha256: [1, 2, 3].map((i) => toHex(sha256(encodeKeyShare(kg.results.get(i)!)))),
    },
    sign: {
      seed: 'golden-sign',
      signers: [1, 3],
      messageHash: toHex(messageHash),
      transcriptSha256: toHex(sg.transcriptHash),
      bytes: sg.bytes,
      r: sig.r.toString(16).padStart(64, '0'),
      s: sig.s.toString(16).padStart(64, '0'),
      recovery: sig.recovery,
    },
    derive: computeDerived(kg.results),
  };
}

const sigHex = (sig: Signature) => ({
  r: sig.r.toString(16).padStart(64, '0'),
  s: sig.s.toString(16).padStart(64, '0'),
});

/** The golden key's xpub and child m/0/5, signed for in full and from a presignature (re-randomised). */
function computeDerived(shares: Map<number, KeyShare>) {
  const curve = testCurve();
  const one = shares.get(1) as KeyShare;
  const root = rootKey(one.publicKey, one.chainCode as Uint8Array);
  const child = derivePath(curve, root, [0, 5]);
  const messageHash = sha256(new TextEncoder().encode('golden derived message'));
  const full = sign(shares, [1, 3], messageHash, 'golden-derived', { tweak: child.tweak }).results.get(1) as Signature;
  const pres = presign(shares, [1, 3], 'golden-presign').results;
  const presignatureR = toHex(encodePoint(pres.get(1)!.R));
  const sessionId = sha256(new TextEncoder().encode('golden online session'));
  const runs = new Map(
    [...pres].map(([i, p]) => [i, createOnlineSign(p, messageHash, curve, { sessionId, tweak: child.tweak })] as const),
  );
  const online = runNetwork(runs).results.get(1) as Signature;
  return {
    chainCode: toHex(one.chainCode as Uint8Array),
    xpub: encodeXpub(root),
    path: 'm/0/5',
    childPublicKey: toHex(encodePoint(child.key.publicKey)),
    messageHash: toHex(messageHash),
    fullSign: { seed: 'golden-derived', signers: [1, 3], ...sigHex(full) },
    presigned: {
      seed: 'golden-presign',
      sessionId: toHex(sessionId),
      presignatureR,
      finalR: toHex(encodePoint((runs.get(1) as OnlineSignRun).terms.R)),
      ...sigHex(online),
    },
  };
}

/** The golden key refreshed (all three deal and receive), then reshared to 3-of-5 by parties 1 and 3. */
function computeReshare() {
  const old = keygen(3, 2, 'golden').results;
  const all = [1, 2, 3].map((k) => ({ nodeId: nodeId(k), oldIndex: k, newIndex: k }));
  const refresh = reshare(old, all, 2, 'golden-refresh');
  const grow = reshare(
    old,
    [1, 3, 4, 5, 6].map((k, at) => ({ nodeId: nodeId(k), ...(k <= 3 ? { oldIndex: k } : {}), newIndex: at + 1 })),
    3,
    'golden-grow',
  );
  const shares = (r: typeof refresh) => [...r.results.values()].map((s) => toHex(sha256(encodeKeyShare(s!))));
  return {
    description: 'refresh (2-of-3, every party) and reshare (2-of-3 by parties 1 and 3 → 3-of-5) of the golden key',
    refresh: {
      seed: 'golden-refresh',
      transcriptSha256: toHex(refresh.transcriptHash),
      bytes: refresh.bytes,
      keyShareSha256: shares(refresh),
    },
    reshare: {
      seed: 'golden-grow',
      transcriptSha256: toHex(grow.transcriptHash),
      bytes: grow.bytes,
      keyShareSha256: shares(grow),
    },
  };
}

/** Compares `got` with the committed file (written when missing, or with UPDATE_VECTORS=1). */
function golden(path: string, got: unknown): void {
  if (process.env.UPDATE_VECTORS === '1' || !existsSync(path)) {
    if (process.env.CI && !existsSync(path)) assert.unreachable(`golden vector file ${path} is missing in CI`);
    writeFileSync(path, `${JSON.stringify(got, null, 2)}\n`);
  }
  assert.equal(got, JSON.parse(readFileSync(path, 'utf8')));
}

test('seeded 2-of-3 keygen and signature reproduce the committed golden vector', () => {
  golden(PATH, compute());
});

test('seeded refresh and reshare of the golden key reproduce the committed golden vector', () => {
  golden(RESHARE_PATH, computeReshare());
});

test.run();
