/**
 * The coordinator's last check before a signature is released (orchestration/ethereum.ts), against ethers and
 * noble: a good signature passes with its view; high s, another recovery id, another key, or r and s out of
 * range never do.
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { computeAddress, recoverAddress } from 'ethers';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkSignature, ethereumAddress } from '../../coordinator/orchestration/ethereum.js';
import { bytesToBigInt, toHex } from '../../protocols/common/bytes.js';
import { CURVE_ORDER } from '../../protocols/common/curve.js';

const ids = { accountId: 'acct', sessionId: 'ab'.repeat(32) };
const sk = secp256k1.utils.randomSecretKey();
const pk = secp256k1.getPublicKey(sk, true);
const other = secp256k1.getPublicKey(secp256k1.utils.randomSecretKey(), true);
const hash = crypto.getRandomValues(new Uint8Array(32));
const signed = secp256k1.sign(hash, sk, { prehash: false, format: 'recovered', lowS: true });
const good = {
  r: bytesToBigInt(signed.slice(1, 33)),
  s: bytesToBigInt(signed.slice(33)),
  recovery: signed[0] as number,
};

test('ethereumAddress equals ethers for compressed and uncompressed keys', () => {
  assert.is(ethereumAddress(pk), computeAddress(`0x${toHex(pk)}`));
  assert.is(ethereumAddress(secp256k1.getPublicKey(sk, false)), computeAddress(`0x${toHex(pk)}`));
});

test('a good signature passes: its view recovers the address with ethers', () => {
  const c = checkSignature(good, hash, pk, { ...ids, derivationPath: 'm/0/5' });
  assert.ok(c.ok, c.ok ? '' : c.reason);
  if (!c.ok) return;
  assert.is(recoverAddress(`0x${toHex(hash)}`, c.view.signatureHex), computeAddress(`0x${toHex(pk)}`));
  assert.is(c.view.address, computeAddress(`0x${toHex(pk)}`));
  assert.is(c.view.publicKey, `0x${toHex(pk)}`);
  assert.is(c.view.derivationPath, 'm/0/5');
  assert.is(c.view.signature.v, 27 + good.recovery);
});

test('refused: high s, the other recovery id, another key, r or s out of range', () => {
  const reason = (sig: typeof good, key = pk) => {
    const c = checkSignature(sig, hash, key, ids);
    return c.ok ? 'released' : c.reason;
  };
  assert.match(reason({ ...good, s: CURVE_ORDER - good.s }), /not low/);
  assert.match(reason({ ...good, recovery: good.recovery ^ 1 }), /does not verify under the account key/);
  assert.match(reason(good, other), /does not verify under the account key/);
  assert.match(reason({ ...good, recovery: 2 }), /recovery id above 1/);
  assert.match(reason({ ...good, r: 0n }), /no public key recovers/);
  assert.match(reason({ ...good, r: CURVE_ORDER }), /no public key recovers/);
  assert.match(reason({ ...good, s: 0n }), /no public key recovers/);
});

test.run();
