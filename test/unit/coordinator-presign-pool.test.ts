/**
 * The coordinator's presignature pool, without parties: the presign judge (same R from every signer, culprits on
 * a mismatch) and the inventory over a real (in-memory PGlite, or DATABASE_URL) database — a signing takes only a
 * presignature of the account's current key whose whole signer set is online, unbanned and includes the required
 * parties; two concurrent takers never get the same one; a taken row leaves the database with the session row of
 * the signing that uses it (also a session written with its end, in one statement); a rekey deletes the
 * account's rows, and a presigning that ends after it adds none.
 */
import { randomBytes } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { AccountRow, PresignatureRow } from '../../coordinator/db/types.js';
import type { BannedPair } from '../../coordinator/orchestration/banned-pairs.js';
import type { SignRules } from '../../coordinator/orchestration/choice.js';
import { presignJudge } from '../../coordinator/orchestration/presign-judge.js';
import { MISSING_PRESIGNATURE_CODES, PresignPool } from '../../coordinator/orchestration/presign-pool.js';
import { encodePoint, G } from '../../protocols/common/curve.js';
import type { SessionResult } from '../../protocols/control/result.js';
import { SILENT_LOG } from '../../src/runtime/logger.js';
import { testDatabase } from '../helpers/database.js';

const sid = randomBytes(32);
const R1 = encodePoint(G.multiply(5n));
const R2 = encodePoint(G.multiply(6n));
const ok = (R: Uint8Array): SessionResult => ({ sessionId: sid, status: 'ok', presignedR: R });
const partyAt = (i: number) => ['a', 'b', 'c'][i - 1];

test('presign judge: the same R from every signer; a mismatch names the minority; a result without R is bad', () => {
  const judge = presignJudge(3, partyAt);
  const results = new Map<string, SessionResult>([['a', ok(R1)]]);
  assert.is(judge(results, 'a'), undefined, 'waits for every signer');
  results.set('b', ok(R1));
  results.set('c', ok(R1));
  const v = judge(results, 'c');
  assert.is(v?.kind, 'ok');
  assert.equal(v?.kind === 'ok' ? [...v.value.R] : [], [...R1]);
  results.set('c', ok(R2));
  assert.equal(judge(results, 'c'), {
    kind: 'failed',
    code: 'R_MISMATCH',
    message: 'signers reported a nonce point R other than the majority’s',
    culprits: ['c'],
  });
  const two = presignJudge(2, partyAt);
  const split = two(
    new Map([
      ['a', ok(R1)],
      ['b', ok(R2)],
    ]),
    'b',
  );
  assert.is(split?.kind, 'failed');
  assert.equal(split?.kind === 'failed' ? [split.code, split.culprits] : [], ['R_MISMATCH', []]);
  const bare = two(new Map([['a', { sessionId: sid, status: 'ok', publicKey: R1 }]]), 'a');
  assert.equal(bare?.kind === 'failed' ? [bare.code, bare.culprits] : [], ['BAD_RESULT', ['a']]);
  // a party that failed a check in a presigning: the failure is the verdict, with its culprit
  const failed = two(
    new Map([['a', { sessionId: sid, status: 'failed', error: { code: 'BAD_SHARE', round: 2, culprits: [2] } }]]),
    'a',
  );
  assert.equal(failed?.kind === 'failed' ? [failed.code, failed.culprits] : [], ['BAD_SHARE', ['b']]);
  // the codes with which a party says it lacks a presignature are the ones a signing falls back on
  assert.equal([...MISSING_PRESIGNATURE_CODES].sort(), ['NOT_FOUND', 'PRESIGNATURE_SIGNERS', 'PRESIGNATURE_USED']);
});

test('inventory: usable rows only, one taker each, deleted when taken, gone with a rekey', async () => {
  const db = await testDatabase();
  try {
    const { repos } = db;
    const parties = ['party-a', 'party-b', 'party-c'].map((partyId, k) => ({
      partyId,
      index: k + 1,
      role: 'persistent' as const,
    }));
    const keyId = randomBytes(32).toString('hex');
    const accountId = 'acct-pool';
    await repos.accounts.insert({
      accountId,
      userId: 'u',
      keyId,
      threshold: 2,
      sessionId: randomBytes(32).toString('hex'),
      parties,
    });
    await repos.accounts.activate(accountId, `0x${Buffer.from(R1).toString('hex')}`, '0x0', null);
    const row = (set: number[], key = keyId) => ({
      presignatureId: randomBytes(32).toString('hex'),
      accountId,
      keyId: key,
      signers: set.map((i) => ({ partyId: `party-${'abc'[i - 1]}`, index: i })),
      r: `0x${Buffer.from(R1).toString('hex')}`,
    });
    const ab = row([1, 2]);
    const ac = row([1, 3]);
    const bc = row([2, 3]);
    for (const r of [ab, ac, bc]) assert.ok(await repos.presignatures.insert(r));
    assert.not.ok(await repos.presignatures.insert(row([1, 2], randomBytes(32).toString('hex'))), 'another key');

    const online = new Set(['party-a', 'party-c']);
    let bans: BannedPair[] = [];
    const pool = new PresignPool({
      size: 2,
      // the filler is not started here: take() uses the database, presence and bans only
      runs: undefined as never,
      network: { get: () => undefined } as never,
      repos,
      log: SILENT_LOG,
      timeoutMs: 1_000,
      idle: () => false,
      online: (id) => online.has(id),
      bannedPairs: () => bans,
      pickSigners: () => {
        throw new Error('not used');
      },
    });
    const account = (await repos.accounts.get(accountId)) as AccountRow;
    const rules = (must: string[] = []): SignRules => ({ must: new Set(must), userShare: false });
    assert.is(await pool.count(account), 3);

    // party b is offline: only the {a, c} presignature serves
    assert.is((await pool.take(account, rules()))?.presignatureId, ac.presignatureId);
    assert.is(await pool.take(account, rules()), undefined);
    online.add('party-b');
    // a required party outside the set, a banned pair inside it: not usable
    bans = [['party-b', 'party-c']];
    assert.is(await pool.take(account, rules(['party-c'])), undefined, 'ab lacks c; bc holds a banned pair');
    bans = [['party-a', 'party-b']];
    const both = await Promise.all([pool.take(account, rules()), pool.take(account, rules())]);
    assert.equal(
      both.map((r) => r?.presignatureId),
      [bc.presignatureId, undefined],
      'the banned pair {a, b} is never used; two takers never share a row',
    );
    bans = [];
    // a hybrid account or a request with a user share never takes one
    assert.is(await pool.take({ ...account, custody: 'hybrid' }, rules()), undefined);
    assert.is(await pool.take(account, { must: new Set(), userShare: true }), undefined);
    // a taken row leaves the database with the session row of the signing that uses it (one statement): the
    // session written at once, or with its end
    const held = async () =>
      (await repos.presignatures.ofAccount(accountId, keyId)).map((r: PresignatureRow) => r.presignatureId).sort();
    assert.equal(await held(), [ab.presignatureId, ac.presignatureId, bc.presignatureId].sort());
    const session = (id: string) => ({
      sessionId: id,
      kind: 'sign' as const,
      accountId,
      parties: [],
      messageHash: null,
      attempt: 1,
      retryOf: null,
      record: new Uint8Array([1]),
    });
    await repos.sessions.insert(session('1'.repeat(64)), ac.presignatureId);
    const at = new Date();
    await repos.sessions.insertEnded([
      {
        row: session('2'.repeat(64)),
        end: { status: 'completed', outcome: { result: { r: '0x01' } } },
        events: [
          { type: 'created', at },
          { type: 'result', detail: { r: '0x01' }, partyId: 'party-b', at },
        ],
        consumes: bc.presignatureId,
      },
    ]);
    assert.equal(await held(), [ab.presignatureId]);
    const ended = await repos.sessions.get('2'.repeat(64));
    assert.is(ended?.status, 'completed');
    assert.equal(ended?.result, { r: '0x01' });
    assert.equal(
      (await repos.sessions.events('2'.repeat(64))).map((e) => [e.type, e.partyId]),
      [
        ['created', null],
        ['result', 'party-b'],
      ],
    );

    // a rekey deletes the account's rows; a presigning of the old key that ends afterwards adds none
    const newKey = randomBytes(32).toString('hex');
    assert.ok(await repos.accounts.rekey(accountId, keyId, { keyId: newKey, threshold: 2, parties }));
    pool.forget(accountId);
    assert.equal(await repos.presignatures.ofAccount(accountId, keyId), []);
    assert.not.ok(await repos.presignatures.insert(row([1, 2])), 'the old key takes no row');
    const rekeyed = (await repos.accounts.get(accountId)) as AccountRow;
    assert.is(await pool.count(rekeyed), 0);
    assert.is(await pool.take(rekeyed, rules()), undefined);
    assert.ok(await repos.presignatures.insert(row([1, 2], newKey)));
    assert.is(await pool.take(account, rules()), undefined, 'a stale account row (old key) matches nothing');
    assert.ok(await pool.take(rekeyed, rules()));
  } finally {
    await db.close();
  }
});

test.run();
