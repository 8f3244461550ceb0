/**
 * Golden vectors: with seeded randomness a 2-of-3 keygen and a signature give a fixed transcript hash and a
 * fixed signature. Any change to a message format, a hash tag or the order of random draws changes them, so
 * such a change is always deliberate: regenerate with `UPDATE_VECTORS=1 npm test` and review the diff.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { sha256 } from '@noble/hashes/sha2.js';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { toHex } from '../../protocols/common/bytes.js';
import { encodeKeyShare } from '../../protocols/dkls23/key-share.js';
import type { Signature } from '../../protocols/dkls23/sign.js';
import { keygen, sign } from '../helpers/parties.js';

const PATH = fileURLToPath(new URL('../vectors/golden-2of3.json', import.meta.url));

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
  };
}

test('seeded 2-of-3 keygen and signature reproduce the committed golden vector', () => {
  const got = compute();
  if (process.env.UPDATE_VECTORS === '1' || !existsSync(PATH)) {
    if (process.env.CI && !existsSync(PATH)) assert.unreachable('golden vector file is missing in CI');
    writeFileSync(PATH, `${JSON.stringify(got, null, 2)}\n`);
  }
  const want = JSON.parse(readFileSync(PATH, 'utf8'));
  assert.equal(got, want);
});

test.run();
