/**
 * HD derivation (BIP32) through REST on a dev network of real party processes, as `npm start` runs it: an account
 * shows its `xpub`; a backend derives child keys from it with an independent BIP32 library (@scure/bip32); a
 * signing with `derivationPath` verifies under exactly that child (ethers' recovered address, noble's verify) and
 * not under the account key. Hardened or malformed paths are refused with 400 naming the problem. A refresh keeps
 * the xpub, and children still sign after it. A hybrid account's children sign with the user share.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { HDKey } from '@scure/bip32';
import { computeAddress, recoverAddress } from 'ethers';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startDevNetwork } from '../../cli/dev-network.js';
import { fromHex, toHex } from '../../protocols/common/bytes.js';
import { type DevApi, devApi, devNetworkEnv } from '../helpers/dev-api.js';

const env = devNetworkEnv();

interface Account {
  accountId: string;
  publicKey: string;
  address: string;
  xpub: string | null;
  userShare?: string;
}

/** Signs a fresh hash for `path` and checks the answer against the child that @scure/bip32 derives from the xpub. */
async function signsAsChild(api: DevApi, account: Account, path: string, extra: Record<string, unknown> = {}) {
  const child = HDKey.fromExtendedKey(account.xpub as string).derive(path);
  const childKey = `0x${toHex(child.publicKey as Uint8Array)}`;
  const childAddress = computeAddress(childKey);
  const hash = `0x${toHex(crypto.getRandomValues(new Uint8Array(32)))}`;
  const r = await api.post(`/api/v1/accounts/${account.accountId}/sign`, {
    messageHash: hash,
    derivationPath: path,
    ...extra,
  });
  assert.is(r.status, 200, `${path}: ${JSON.stringify(r.body)}`);
  assert.is(r.body.derivationPath, path);
  assert.is(r.body.publicKey, childKey, 'the answer names the child public key');
  assert.is(r.body.address, childAddress);
  const sigHex = r.body.signatureHex as string;
  assert.is(recoverAddress(hash, sigHex), childAddress, `${path}: ethers recovers the child's address`);
  assert.is.not(childAddress, account.address);
  const compact = fromHex(sigHex.slice(2, 130));
  const opts = { prehash: false, format: 'compact' } as const;
  assert.ok(secp256k1.verify(compact, fromHex(hash.slice(2)), child.publicKey as Uint8Array, opts), 'verifies');
  assert.not.ok(secp256k1.verify(compact, fromHex(hash.slice(2)), fromHex(account.publicKey.slice(2)), opts));
}

test('xpub, derived signing checked with @scure/bip32 and ethers, refusals, kept through a refresh, hybrid', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mpc-derive-'));
  const net = await startDevNetwork({ dir, port: 0, env });
  try {
    const api = devApi(net);
    const created = await api.post('/api/v1/accounts', { userId: 'derive' });
    assert.is(created.status, 201, JSON.stringify(created.body));
    const account = created.body as unknown as Account;
    assert.ok(account.xpub?.startsWith('xpub'), `an xpub: ${account.xpub}`);
    const read = await api.get(`/api/v1/accounts/${account.accountId}`);
    assert.is(read.body.xpub, account.xpub, 'GET shows the same xpub');
    // the xpub's key is the account key
    assert.is(`0x${toHex(HDKey.fromExtendedKey(account.xpub as string).publicKey as Uint8Array)}`, account.publicKey);

    await signsAsChild(api, account, 'm/0/5');
    await signsAsChild(api, account, 'm/44/60/0/0/3');
    // no path: the account key itself, named as m
    const hash = `0x${'ab'.repeat(32)}`;
    const plain = await api.post(`/api/v1/accounts/${account.accountId}/sign`, { messageHash: hash });
    assert.is(plain.status, 200);
    assert.is(plain.body.derivationPath, 'm');
    assert.is(recoverAddress(hash, plain.body.signatureHex as string), account.address);

    for (const [path, word] of [
      ["m/0'/1", 'hardened'],
      ['m/2147483648', 'hardened'],
      ['0/1', 'starts with'],
      ['m/1/2/3/4/5/6/7/8/9', 'at most 8'],
    ] as const) {
      const r = await api.post(`/api/v1/accounts/${account.accountId}/sign`, {
        messageHash: hash,
        derivationPath: path,
      });
      assert.is(r.status, 400, `${path}: ${JSON.stringify(r.body)}`);
      const err = r.body.error as { code: string; message: string };
      assert.is(err.code, 'INVALID_REQUEST');
      assert.ok(err.message.startsWith('derivationPath') && err.message.includes(word), err.message);
    }

    const refreshed = await api.post(`/api/v1/accounts/${account.accountId}/refresh`);
    assert.is(refreshed.status, 200, JSON.stringify(refreshed.body));
    assert.is((refreshed.body.account as Account).xpub, account.xpub, 'a refresh keeps the xpub');
    await signsAsChild(api, account, 'm/0/5');

    const hybrid = await api.post('/api/v1/accounts', { userId: 'derive-hybrid', custody: 'hybrid' });
    assert.is(hybrid.status, 201, JSON.stringify(hybrid.body));
    const h = hybrid.body as unknown as Account;
    assert.ok(h.xpub?.startsWith('xpub'));
    await signsAsChild(api, h, 'm/7', { userShare: h.userShare });
  } finally {
    await net.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
