import { randomBytes } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MasterKey } from '../../src/runtime/master-key.js';
import { StoreError } from '../../src/store/errors.js';
import { open, SEALED_OVERHEAD, SEALED_VERSION, seal } from '../../src/store/sealed.js';

const key = new MasterKey(randomBytes(32)).subKey('atRest');
const otherKey = new MasterKey(randomBytes(32)).subKey('atRest');
const ctx = new TextEncoder().encode('share/abcd');
const secret = randomBytes(100);

function expectDecryptFailed(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    assert.instance(e, StoreError);
    assert.is((e as StoreError).code, 'DECRYPT_FAILED');
    return;
  }
  assert.unreachable('expected DECRYPT_FAILED');
}

test('round trip; format is version ‖ nonce ‖ ciphertext ‖ tag', () => {
  const s = seal(key, ctx, secret);
  assert.is(s.length, secret.length + SEALED_OVERHEAD);
  assert.is(s[0], SEALED_VERSION);
  assert.equal(Buffer.from(open(key, ctx, s)), secret);
  assert.equal(open(key, ctx, seal(key, ctx, new Uint8Array(0))).length, 0);
});

test('a fresh nonce per seal: the same value seals differently each time', () => {
  const a = seal(key, ctx, secret);
  const b = seal(key, ctx, secret);
  assert.not.equal(Buffer.from(a.subarray(1, 13)), Buffer.from(b.subarray(1, 13)));
  assert.not.equal(Buffer.from(a), Buffer.from(b));
});

test('wrong key → DECRYPT_FAILED', () => {
  expectDecryptFailed(() => open(otherKey, ctx, seal(key, ctx, secret)));
});

test('another context (value moved to another record key) → DECRYPT_FAILED', () => {
  const s = seal(key, ctx, secret);
  expectDecryptFailed(() => open(key, new TextEncoder().encode('share/abce'), s));
  expectDecryptFailed(() => open(key, new TextEncoder().encode('share/abcd/'), s));
});

test('any flipped bit, truncation or unknown version → DECRYPT_FAILED', () => {
  const s = seal(key, ctx, secret);
  for (const pos of [0, 1, 12, 13, 50, s.length - 16, s.length - 1]) {
    const t = s.slice();
    t[pos] = (t[pos] as number) ^ 1;
    expectDecryptFailed(() => open(key, ctx, t));
  }
  expectDecryptFailed(() => open(key, ctx, s.subarray(0, s.length - 1)));
  expectDecryptFailed(() => open(key, ctx, s.subarray(0, SEALED_OVERHEAD - 1)));
  expectDecryptFailed(() => open(key, ctx, new Uint8Array(0)));
});

test('error messages carry no plaintext or key material', () => {
  try {
    open(otherKey, ctx, seal(key, ctx, secret));
  } catch (e) {
    const m = (e as Error).message;
    assert.not.ok(m.includes(secret.toString('hex').slice(0, 16)));
    assert.not.ok(m.includes(Buffer.from(key.export()).toString('hex').slice(0, 16)));
  }
});

test.run();
