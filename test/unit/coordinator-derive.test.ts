/**
 * The coordinator's side of HD derivation: the key a signing is checked against (signing-key.ts), the account
 * view's xpub, the sign body's `derivationPath`, and the keygen judge's agreement on the chain code.
 */
import { HDKey } from '@scure/bip32';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SignBody } from '../../coordinator/api/schemas.js';
import type { AccountRow } from '../../coordinator/db/types.js';
import { isCoordinatorError } from '../../coordinator/errors.js';
import { keygenJudge } from '../../coordinator/orchestration/judges.js';
import { signingKey } from '../../coordinator/orchestration/signing-key.js';
import { xpubOf } from '../../coordinator/orchestration/views.js';
import { toHex } from '../../protocols/common/bytes.js';
import type { SessionResult } from '../../protocols/control/control.js';

const xpub =
  'xpub661MyMwAqRbcFW31YEwpkMuc5THy2PSt5bDMsktWQcFF8syAmRUapSCGu8ED9W6oDMSgv6Zz8idoc4a6mr8BDzTJY47LJhkJ8UB7WEGuduB';
const hd = HDKey.fromExtendedKey(xpub);
const publicKey = `0x${toHex(hd.publicKey as Uint8Array)}`;
const account = {
  accountId: 'acct',
  publicKey,
  chainCode: toHex(hd.chainCode as Uint8Array),
} as AccountRow;

test('signingKey: the account key for no path, the BIP32 child for a path; CONFLICT without a chain code', () => {
  const self = signingKey(account, undefined);
  assert.is(self.derivationPath, 'm');
  assert.is(toHex(self.publicKey), publicKey.slice(2));
  const child = signingKey(account, [0, 5]);
  assert.is(child.derivationPath, 'm/0/5');
  assert.is(toHex(child.publicKey), toHex(hd.derive('m/0/5').publicKey as Uint8Array));
  assert.is(toHex(child.accountKey), publicKey.slice(2));
  assert.is(xpubOf(account), xpub);
  assert.is(xpubOf({ ...account, chainCode: null }), null);
  assert.is(xpubOf({ ...account, publicKey: null }), null);
  try {
    signingKey({ ...account, chainCode: null }, [0]);
    assert.unreachable('signed for a child without a chain code');
  } catch (e) {
    assert.ok(isCoordinatorError(e, 'CONFLICT'), String(e));
    assert.match((e as Error).message, /no chain code/);
  }
});

test('sign body: derivationPath parsed to its steps; hardened and malformed paths refused naming the field', () => {
  const hash = `0x${'ab'.repeat(32)}`;
  assert.equal(SignBody.parse({ messageHash: hash, derivationPath: 'm/0/5' }).derivationPath, [0, 5]);
  for (const path of ["m/0'", 'm/0h', 'm/x', '', 'm/1/2/3/4/5/6/7/8/9', 7]) {
    const r = SignBody.safeParse({ messageHash: hash, derivationPath: path });
    assert.not.ok(r.success, String(path));
    assert.equal(r.error?.issues[0]?.path, ['derivationPath'], String(path));
  }
});

test('keygen judge: ok with the agreed chain code; KEY_MISMATCH when the parties report different ones', () => {
  const publicKey = Uint8Array.from([2, ...new Uint8Array(32).fill(1)]);
  const ok = (chainCode?: Uint8Array): SessionResult => ({
    sessionId: new Uint8Array(32),
    status: 'ok',
    publicKey,
    ...(chainCode ? { chainCode } : {}),
  });
  const judge = keygenJudge(2, undefined, (i) => ['pA', 'pB'][i - 1]);
  const a = new Uint8Array(32).fill(3);
  const agreed = judge(
    new Map([
      ['pA', ok(a)],
      ['pB', ok(a)],
    ]),
    'pB',
  );
  assert.is(agreed?.kind, 'ok');
  assert.equal(agreed?.kind === 'ok' ? agreed.value.chainCode : undefined, a);
  for (const other of [new Uint8Array(32), undefined]) {
    const split = judge(
      new Map([
        ['pA', ok(a)],
        ['pB', ok(other)],
      ]),
      'pB',
    );
    assert.is(split?.kind === 'failed' ? split.code : '', 'KEY_MISMATCH');
    assert.match(split?.kind === 'failed' ? split.message : '', /chain codes/);
  }
});

test.run();
