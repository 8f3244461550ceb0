/**
 * Independent verification: signatures of the threshold engine checked by OpenSSL (a different ECDSA
 * implementation from the one the engine uses to verify before release).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256 } from '@noble/hashes/sha2.js';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bigIntToBytes, fromHex } from '../../protocols/common/bytes.js';
import type { Signature } from '../../protocols/dkls23/sign.js';
import { keygen, sign } from '../helpers/parties.js';

/** SubjectPublicKeyInfo prefix of an uncompressed secp256k1 key (id-ecPublicKey, secp256k1). */
const SPKI_PREFIX = fromHex('3056301006072a8648ce3d020106052b8104000a034200');

function derInt(v: bigint): Uint8Array {
  let b = bigIntToBytes(v, 32);
  while (b.length > 1 && b[0] === 0 && (b[1]! & 0x80) === 0) b = b.subarray(1);
  if (b[0]! & 0x80) b = new Uint8Array([0, ...b]);
  return new Uint8Array([0x02, b.length, ...b]);
}

function derSignature(sig: Signature): Uint8Array {
  const body = new Uint8Array([...derInt(sig.r), ...derInt(sig.s)]);
  return new Uint8Array([0x30, body.length, ...body]);
}

function opensslVerifies(dir: string, pubDer: Uint8Array, hash: Uint8Array, sig: Uint8Array): boolean {
  writeFileSync(join(dir, 'pub.der'), pubDer);
  writeFileSync(join(dir, 'hash.bin'), hash);
  writeFileSync(join(dir, 'sig.der'), sig);
  try {
    const out = execFileSync(
      'openssl',
      [
        'pkeyutl',
        '-verify',
        '-pubin',
        '-keyform',
        'DER',
        '-inkey',
        'pub.der',
        '-in',
        'hash.bin',
        '-sigfile',
        'sig.der',
      ],
      { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
    ).toString();
    return /Signature Verified Successfully/i.test(out);
  } catch {
    return false;
  }
}

test('OpenSSL verifies 2-of-3 threshold signatures and rejects a wrong message', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mpc-openssl-'));
  try {
    const shares = keygen(3, 2, 'openssl').results;
    const pub = new Uint8Array([...SPKI_PREFIX, ...shares.get(1)!.publicKey.toBytes(false)]);
    for (const [k, S] of [
      [0, [1, 2]],
      [1, [1, 3]],
      [2, [2, 3]],
    ] as const) {
      const hash = sha256(new TextEncoder().encode(`openssl ${k}`));
      const sig = sign(shares, S, hash, `openssl-${k}`).results.get(S[0])!;
      assert.ok(opensslVerifies(dir, pub, hash, derSignature(sig)), `signers ${S.join(',')}`);
      const other = sha256(new TextEncoder().encode(`other ${k}`));
      assert.not.ok(opensslVerifies(dir, pub, other, derSignature(sig)), 'a wrong message must not verify');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
