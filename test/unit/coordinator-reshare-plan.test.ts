/**
 * Who takes part in a refresh or reshare (coordinator/orchestration/reshare-plan.ts) and the reshare's judge:
 * indices, who deals and who receives, and each refusal with its code.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { AccountRow } from '../../coordinator/db/types.js';
import { CoordinatorError } from '../../coordinator/errors.js';
import { reshareJudge } from '../../coordinator/orchestration/judges.js';
import { planReshare } from '../../coordinator/orchestration/reshare-plan.js';
import type { Presence } from '../../coordinator/p2p/rendezvous.js';
import type { SessionResult } from '../../protocols/control/control.js';

const ids = ['pA', 'pB', 'pC', 'pD', 'pE'];
const account: AccountRow = {
  accountId: 'acct',
  userId: 'u',
  keyId: 'aa'.repeat(32),
  publicKey: `0x02${'11'.repeat(32)}`,
  address: '0x0000000000000000000000000000000000000001',
  threshold: 2,
  status: 'active',
  sessionId: 'bb'.repeat(32),
  parties: ids.slice(0, 3).map((partyId, k) => ({ partyId, index: k + 1, role: 'persistent' as const })),
  custody: 'server',
  requireUserShare: false,
  requiredParties: [],
  createdAt: new Date(0),
  rekeyedAt: null,
  chainCode: null,
};
const presence = (partyId: string, role: Presence['role'] = 'persistent'): Presence => ({
  partyId,
  role,
  version: '1',
  addresses: [],
  online: true,
  lastSeen: new Date(0),
  bans: [],
  draining: false,
});
const all = ids.map((id) => presence(id));

function refusal(f: () => unknown, code: string, message: RegExp): void {
  try {
    f();
  } catch (e) {
    assert.instance(e, CoordinatorError);
    assert.is((e as CoordinatorError).code, code);
    assert.match((e as Error).message, message);
    return;
  }
  assert.unreachable(`expected ${code}`);
}

test('refresh: every party deals and receives at its own index', () => {
  const plan = planReshare(account, undefined, all, []);
  assert.equal(
    plan.seats.map((s) => [s.partyId, s.index, s.oldIndex, s.newIndex]),
    [
      ['pA', 1, 1, 1],
      ['pB', 2, 2, 2],
      ['pC', 3, 3, 3],
    ],
  );
  assert.is(plan.threshold, 2);
  assert.equal(plan.keyParties, account.parties);
});

test('reshare to a list: staying parties first in their order, newcomers after; a leaver deals only', () => {
  const plan = planReshare(account, { parties: ['pD', 'pB', 'pA'], threshold: 2 }, all, []);
  assert.equal(
    plan.seats.map((s) => [s.partyId, s.index, s.oldIndex, s.newIndex]),
    [
      ['pA', 1, 1, 1],
      ['pB', 2, 2, 2],
      ['pC', 3, 3, undefined],
      ['pD', 4, undefined, 3],
    ],
  );
  assert.equal(
    plan.keyParties.map((p) => [p.partyId, p.index]),
    [
      ['pA', 1],
      ['pB', 2],
      ['pD', 3],
    ],
  );
});

test('reshare to a count: the key’s online parties first, then others; a lost party is replaced', () => {
  const online = all.filter((p) => p.partyId !== 'pC');
  const plan = planReshare(account, { parties: 3 }, online, []);
  assert.equal(
    plan.seats.filter((s) => s.oldIndex !== undefined).map((s) => s.partyId),
    ['pA', 'pB'],
  );
  const newcomers = plan.seats.filter((s) => s.oldIndex === undefined);
  assert.is(newcomers.length, 1);
  assert.ok(['pD', 'pE'].includes(newcomers[0]!.partyId));
  assert.is(newcomers[0]!.newIndex, 3);
  const grown = planReshare(account, { parties: 5, threshold: 3 }, all, []);
  assert.is(grown.keyParties.length, 5);
  assert.is(grown.threshold, 3);
});

test('refusals: each with its code and a message naming the problem', () => {
  const noC = all.filter((p) => p.partyId !== 'pC');
  refusal(() => planReshare(account, undefined, noC, []), 'UNAVAILABLE', /every party of the key online; offline: pC/);
  refusal(
    () => planReshare(account, { parties: 3 }, [presence('pA'), presence('pD'), presence('pE')], []),
    'UNAVAILABLE',
    /at least 2 of the key's parties online; 1 are/,
  );
  refusal(() => planReshare(account, { parties: ['pA', 'pX'] }, all, []), 'UNAVAILABLE', /pX is not online/);
  refusal(
    () => planReshare(account, { parties: ['pA', 'pE'] }, [...all.slice(0, 4), presence('pE', 'delegate')], []),
    'INVALID_REQUEST',
    /delegate node/,
  );
  refusal(() => planReshare(account, { parties: 2, threshold: 3 }, all, []), 'INVALID_REQUEST', /threshold: 3 exceeds/);
  refusal(() => planReshare({ ...account, status: 'pending' }, undefined, all, []), 'CONFLICT', /not active/);
  refusal(() => planReshare({ ...account, custody: 'hybrid' }, undefined, all, []), 'CONFLICT', /hybrid custody/);
  refusal(() => planReshare(account, undefined, all, [['pA', 'pC']]), 'UNAVAILABLE', /banned pair \(pA and pC\)/);
});

test('the reshare judge: ok only when every party reports the account’s key; KEY_MISMATCH otherwise', () => {
  const key = Uint8Array.from([2, ...new Uint8Array(32).fill(1)]);
  const other = Uint8Array.from([3, ...new Uint8Array(32).fill(1)]);
  const chain = new Uint8Array(32).fill(9);
  const ok = (publicKey: Uint8Array, chainCode = chain): SessionResult => ({
    sessionId: new Uint8Array(32),
    status: 'ok',
    publicKey,
    chainCode,
  });
  const judge = reshareJudge(2, { publicKey: key, chainCode: chain }, (i) => ['pA', 'pB'][i - 1]);
  // the account's key with another chain code (the xpub would change), or parties split on it
  for (const codes of [
    [new Uint8Array(32), new Uint8Array(32)],
    [chain, new Uint8Array(32)],
  ]) {
    const v = judge(
      new Map([
        ['pA', ok(key, codes[0])],
        ['pB', ok(key, codes[1])],
      ]),
      'pB',
    );
    assert.is(v?.kind === 'failed' ? v.code : '', 'KEY_MISMATCH');
  }
  assert.is(judge(new Map([['pA', ok(key)]]), 'pA'), undefined, 'waits for every party');
  assert.is(
    judge(
      new Map([
        ['pA', ok(key)],
        ['pB', ok(key)],
      ]),
      'pB',
    )?.kind,
    'ok',
  );
  const wrong = judge(
    new Map([
      ['pA', ok(other)],
      ['pB', ok(other)],
    ]),
    'pB',
  );
  assert.is(wrong?.kind, 'failed');
  assert.is(wrong?.kind === 'failed' ? wrong.code : '', 'KEY_MISMATCH');
  const split = judge(
    new Map([
      ['pA', ok(key)],
      ['pB', ok(other)],
    ]),
    'pB',
  );
  assert.is(split?.kind === 'failed' ? split.code : '', 'KEY_MISMATCH');
});

test.run();
