import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type Database, DatabaseError, openDatabase, redactUrl } from '../../coordinator/db/database.js';
import { migrate, migrationFiles } from '../../coordinator/db/migrate.js';
import type { AccountParty } from '../../coordinator/db/types.js';
import { Reads } from '../../coordinator/orchestration/reads.js';
import type { Presence } from '../../coordinator/p2p/rendezvous.js';
import { realPostgres, testDatabase } from '../helpers/database.js';

// One database for most tests (creating a PGlite takes seconds); tests use distinct ids so they do not interfere.
let db: Database;
const dirs: string[] = [];

test.before(async () => {
  db = await testDatabase();
});

test.after(async () => {
  await db.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'mpc-coord-db-'));
  dirs.push(d);
  return d;
}

async function rejects(p: Promise<unknown>, match?: RegExp): Promise<Error> {
  try {
    await p;
  } catch (e) {
    assert.instance(e, Error);
    if (match) assert.match((e as Error).message, match);
    return e as Error;
  }
  assert.unreachable('expected a rejection');
  throw new Error('unreachable');
}

async function openFails(p: Promise<Database>, code: string): Promise<DatabaseError> {
  const e = await rejects(p);
  assert.instance(e, DatabaseError, e.message);
  assert.is((e as DatabaseError).code, code, e.message);
  return e as DatabaseError;
}

const hex = (n: number, fill: string) => fill.repeat(n);
const parties3: AccountParty[] = [
  { partyId: 'peer-c', index: 3, role: 'external' },
  { partyId: 'peer-a', index: 1, role: 'persistent' },
  { partyId: 'peer-b', index: 2, role: 'delegate' },
];
const account = (id: string, user: string) => ({
  accountId: id,
  userId: user,
  keyId: `key-${id}`,
  threshold: 2,
  sessionId: hex(64, id.slice(-1)),
  parties: parties3,
});

test('migrations: applied on open, once; the ledger records them', async () => {
  const files = await migrationFiles();
  assert.ok(files.includes('001_init.sql'), files.join());
  assert.equal(await migrate(db.pool), [], 'a second run applies nothing');
  const r = await db.pool.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY name');
  assert.equal(
    r.rows.map((x) => x.name),
    files,
  );
});

test('embedded data dir: data and migrations persist across close and reopen; the dir is locked while open', async () => {
  const dir = join(tempDir(), 'nested', 'pgdata');
  const first = await openDatabase({ dataDir: dir });
  assert.ok(first.embedded);
  await first.repos.accounts.insert(account('acct-persist', 'user-persist'));
  await openFails(openDatabase({ dataDir: dir }), 'LOCKED');
  await first.close();
  await first.close(); // idempotent
  assert.not.ok(await first.repos.ping(), 'a closed database does not answer');
  assert.not.ok(existsSync(join(dir, 'coordinator.lock')), 'lock released on close');

  // A lock left by a process that is gone (crash) is taken over.
  const deadPid = spawnSync(process.execPath, ['-e', '']).pid;
  writeFileSync(join(dir, 'coordinator.lock'), `${deadPid}\n`);
  const again = await openDatabase({ dataDir: dir });
  try {
    assert.equal(await migrate(again.pool), []);
    const n = await again.pool.query('SELECT name FROM schema_migrations');
    assert.is(n.rowCount, (await migrationFiles()).length);
    const a = await again.repos.accounts.get('acct-persist');
    assert.is(a?.userId, 'user-persist');
    assert.equal(
      a?.parties.map((p) => p.index),
      [1, 2, 3],
    );
  } finally {
    await again.close();
  }
});

test('embedded data dir: an unusable directory fails clearly', async () => {
  const file = join(tempDir(), 'a-file');
  writeFileSync(file, 'x');
  const e = await openFails(openDatabase({ dataDir: file }), 'DATA_DIR_FAILED');
  assert.match(e.message, file);
});

test('open: a bad server URL fails without showing the password', async () => {
  const e = await openFails(openDatabase({ url: 'postgres://u:secret@127.0.0.1:1/x' }), 'CONNECT_FAILED');
  assert.not.match(e.message, 'secret');
  assert.match(e.message, 'postgres://u:***@127.0.0.1:1/x');
  assert.not.match(JSON.stringify(e, Object.getOwnPropertyNames(e)), 'secret');
  const bad = await openFails(openDatabase({ url: 'postgres://u:secret@[::1' }), 'BAD_URL');
  assert.not.match(bad.message, 'secret');
  const scheme = await openFails(openDatabase({ url: 'mysql://u:secret@127.0.0.1/x' }), 'BAD_URL');
  assert.not.match(scheme.message, 'secret');
  await openFails(openDatabase({ schema: 'x; DROP TABLE accounts' }), 'BAD_OPTION');
});

test('redactUrl hides user-info and query passwords', () => {
  assert.is(redactUrl('postgres://u:p%40ss@h:5432/db'), 'postgres://u:***@h:5432/db');
  assert.is(
    redactUrl('postgres://u@h/db?password=pw&sslmode=require'),
    'postgres://u@h/db?password=***&sslmode=require',
  );
  assert.is(redactUrl('postgres://h/db'), 'postgres://h/db');
  assert.not.match(redactUrl('postgres://u:pw@[bad'), 'pw');
});

test('ping answers true', async () => {
  assert.ok(await db.repos.ping());
});

test('accounts: custody, requireUserShare and required parties are kept (never a user share)', async () => {
  const { accounts } = db.repos;
  const plain = await accounts.insert(account('acct-srv', 'user-c'));
  assert.equal([plain.custody, plain.requireUserShare, plain.requiredParties], ['server', false, []]);
  const hybrid = await accounts.insert({
    ...account('acct-hyb', 'user-c'),
    custody: 'hybrid',
    requireUserShare: true,
    requiredParties: ['peer-a'],
  });
  assert.equal(await accounts.get('acct-hyb'), hybrid);
  assert.equal([hybrid.custody, hybrid.requireUserShare, hybrid.requiredParties], ['hybrid', true, ['peer-a']]);
  await rejects(
    accounts.insert({ ...account('acct-bad', 'user-c'), custody: 'shared' as 'server' }),
    /custody|check constraint/i,
  );
});

test('accounts: insert, get, byUser newest first, activate, fail', async () => {
  const { accounts } = db.repos;
  const a1 = await accounts.insert(account('acct-1', 'user-a'));
  assert.is(a1.status, 'pending');
  assert.is(a1.publicKey, null);
  assert.is(a1.address, null);
  assert.instance(a1.createdAt, Date);
  assert.equal(
    a1.parties.map((p) => p.partyId),
    ['peer-a', 'peer-b', 'peer-c'],
    'parties in index order',
  );
  assert.equal(await accounts.get('acct-1'), a1, 'get returns what insert returned');
  await accounts.insert(account('acct-2', 'user-a'));
  await accounts.insert(account('acct-3', 'user-b'));
  assert.equal(
    (await accounts.byUser('user-a')).map((a) => a.accountId),
    ['acct-2', 'acct-1'],
  );
  assert.equal(await accounts.byUser('nobody'), []);
  assert.is(await accounts.get('missing'), undefined);

  const pk = `0x02${'ab'.repeat(32)}`;
  await accounts.activate('acct-1', pk, '0x52908400098527886E0F7030069857D2E4169EE7', 'cc'.repeat(32));
  const active = await accounts.get('acct-1');
  assert.is(active?.status, 'active');
  assert.is(active?.publicKey, pk);
  assert.is(active?.chainCode, 'cc'.repeat(32));
  assert.is(active?.address, '0x52908400098527886E0F7030069857D2E4169EE7');
  await accounts.fail('acct-2');
  assert.is((await accounts.get('acct-2'))?.status, 'failed');
  assert.equal((await accounts.byUser('user-a'))[0]?.parties, a1.parties);
});

test('accounts: a failed insert leaves nothing behind (one transaction)', async () => {
  const { accounts } = db.repos;
  const dup = { ...account('acct-dup', 'user-dup'), parties: [parties3[0]!, { ...parties3[1]!, index: 3 }] };
  await rejects(accounts.insert(dup));
  assert.is(await accounts.get('acct-dup'), undefined);
  const left = await db.pool.query('SELECT 1 FROM account_parties WHERE account_id = $1', ['acct-dup']);
  assert.is(left.rowCount, 0);
  await rejects(accounts.insert({ ...account('acct-dup2', 'user-dup'), keyId: 'key-acct-1' }), /key_id|unique/i);
  // The pool is still usable (its one connection was released after the rollback).
  assert.ok(await db.repos.ping());
});

test('sessions: insert, get, finish, count', async () => {
  const { sessions } = db.repos;
  const record = new Uint8Array([0, 1, 2, 250, 255]);
  const base = {
    kind: 'sign' as const,
    accountId: 'acct-1',
    parties: [
      { partyId: 'peer-a', index: 1 },
      { partyId: 'peer-b', index: 2 },
    ],
    messageHash: `0x${'11'.repeat(32)}`,
    attempt: 1,
    retryOf: null,
    record,
  };
  const before = await sessions.count('sign', 'completed');
  const failedBefore = await sessions.count('sign', 'failed');
  await sessions.insert({ ...base, sessionId: 's-1' });
  const s = await sessions.get('s-1');
  assert.ok(s);
  assert.is(s.status, 'pending');
  assert.equal(s.parties, base.parties);
  assert.is(s.messageHash, base.messageHash);
  assert.is(s.retryOf, null);
  assert.is(s.result, null);
  assert.is(s.error, null);
  assert.ok(s.record instanceof Uint8Array && !Buffer.isBuffer(s.record), 'record is a plain Uint8Array');
  assert.equal([...s.record], [...record]);
  assert.instance(s.createdAt, Date);

  await sessions.finish('s-1', 'running');
  assert.is((await sessions.get('s-1'))?.status, 'running');
  await sessions.finish('s-1', 'completed', { result: { r: '0x01', list: [1, 2] } });
  const done = await sessions.get('s-1');
  assert.is(done?.status, 'completed');
  assert.equal(done?.result, { r: '0x01', list: [1, 2] });
  assert.ok(done!.updatedAt >= done!.createdAt);

  await sessions.insert({ ...base, sessionId: 's-2', attempt: 2, retryOf: 's-1', messageHash: null });
  const err = { code: 'TIMEOUT', message: 'party did not answer', culprits: ['peer-b'] };
  await sessions.finish('s-2', 'failed', { error: err });
  const failed = await sessions.get('s-2');
  assert.equal(failed?.error, err);
  assert.is(failed?.attempt, 2);
  assert.is(failed?.retryOf, 's-1');
  assert.is(failed?.messageHash, null);
  assert.is(await sessions.count('sign', 'completed'), before + 1);
  assert.is(await sessions.count('sign', 'failed'), failedBefore + 1);
  assert.is(await sessions.get('missing'), undefined);
  await rejects(sessions.insert({ ...base, sessionId: 's-1' }), /duplicate|unique/i);
});

test('session events: appended in order; UPDATE, DELETE and TRUNCATE are refused', async () => {
  const { sessions } = db.repos;
  await sessions.appendEvent('ev-1', 'created', { parties: 3 });
  await sessions.appendEvent('ev-1', 'joined', undefined, 'peer-a');
  await sessions.appendEvent('ev-other', 'created');
  await sessions.appendEvent('ev-1', 'completed', { nested: { ok: true } });
  const ev = await sessions.events('ev-1');
  assert.equal(
    ev.map((e) => e.type),
    ['created', 'joined', 'completed'],
  );
  assert.ok(ev[0]!.id < ev[1]!.id && ev[1]!.id < ev[2]!.id);
  assert.is(typeof ev[0]!.id, 'number');
  assert.equal(ev[0]!.detail, { parties: 3 });
  assert.equal(ev[1]!.detail, {});
  assert.is(ev[1]!.partyId, 'peer-a');
  assert.is(ev[0]!.partyId, null);
  assert.ok(ev[0]!.at <= ev[2]!.at);
  assert.equal(await sessions.events('nothing'), []);

  await rejects(db.pool.query(`UPDATE session_events SET type = 'x' WHERE session_id = $1`, ['ev-1']), /append-only/);
  await rejects(db.pool.query('DELETE FROM session_events WHERE session_id = $1', ['ev-1']), /append-only/);
  await rejects(db.pool.query('TRUNCATE session_events'), /append-only/);
  assert.is((await sessions.events('ev-1')).length, 3, 'nothing changed');
});

test('parties: registered, offline, seen, allOffline, list, admit, admittedByToken', async () => {
  const { parties } = db.repos;
  await parties.registered({ partyId: 'p-1', role: 'persistent', version: '0.1.0', addresses: ['/ip4/1.2.3.4/tcp/1'] });
  await parties.registered({ partyId: 'p-2', role: 'delegate', version: '0.1.0', addresses: [] });
  let list = await parties.list();
  const p1 = list.find((p) => p.partyId === 'p-1');
  assert.equal(p1 && { ...p1, lastSeen: undefined }, {
    partyId: 'p-1',
    role: 'persistent',
    version: '0.1.0',
    addresses: ['/ip4/1.2.3.4/tcp/1'],
    status: 'online',
    lastSeen: undefined,
    admittedBy: 'config',
  });
  assert.instance(p1?.lastSeen, Date);

  await parties.offline('p-1');
  list = await parties.list();
  assert.is(list.find((p) => p.partyId === 'p-1')?.status, 'offline');
  assert.is(list.find((p) => p.partyId === 'p-2')?.status, 'online');
  const seenBefore = list.find((p) => p.partyId === 'p-2')!.lastSeen!;
  await parties.seen('p-2');
  const seenAfter = (await parties.list()).find((p) => p.partyId === 'p-2')!.lastSeen!;
  assert.ok(seenAfter >= seenBefore);
  await parties.allOffline();
  assert.ok((await parties.list()).every((p) => p.status === 'offline'));

  // Registering again updates role/version/addresses and comes back online.
  await parties.registered({ partyId: 'p-1', role: 'persistent', version: '0.2.0', addresses: ['/ip4/5.6.7.8/tcp/2'] });
  const again = (await parties.list()).find((p) => p.partyId === 'p-1');
  assert.is(again?.version, '0.2.0');
  assert.equal(again?.addresses, ['/ip4/5.6.7.8/tcp/2']);
  assert.is(again?.status, 'online');

  // Token admission sticks across later registrations; a party admitted before registering is not listed yet.
  await parties.admit('p-2', 'token');
  await parties.admit('p-3', 'token');
  assert.equal(await parties.admittedByToken(), ['p-2', 'p-3']);
  assert.not.ok((await parties.list()).some((p) => p.partyId === 'p-3'));
  await parties.registered({ partyId: 'p-3', role: 'external', version: '1.0.0', addresses: [] });
  await parties.registered({ partyId: 'p-2', role: 'delegate', version: '0.1.1', addresses: [] });
  list = await parties.list();
  assert.is(list.find((p) => p.partyId === 'p-3')?.admittedBy, 'token');
  assert.is(list.find((p) => p.partyId === 'p-2')?.admittedBy, 'token');
  assert.is(list.find((p) => p.partyId === 'p-1')?.admittedBy, 'config');
  await parties.admit('p-2', 'config');
  assert.equal(await parties.admittedByToken(), ['p-3']);
});

test('parties: a token fixes the role; a revoked party is unlisted, stays revoked and is admitted by nothing', async () => {
  const { parties } = db.repos;
  await parties.admit('r-1', 'token', 'external');
  await parties.registered({ partyId: 'r-1', role: 'external', version: '1.0.0', addresses: [] });
  await parties.registered({ partyId: 'r-2', role: 'persistent', version: '1.0.0', addresses: [] });
  assert.equal(
    (await parties.fixedRoles()).filter(([id]) => id.startsWith('r-')),
    [['r-1', 'external']],
  );
  assert.is(await parties.revoke('r-unknown', new Date()), undefined, 'an unknown party is not revoked');
  const first = new Date('2030-01-01T00:00:00Z');
  assert.equal(await parties.revoke('r-1', first), first);
  assert.equal(await parties.revoke('r-1', new Date()), first, 'revoking again keeps the first time');
  assert.equal(await parties.revoke('r-2', first), first);
  assert.ok((await parties.revoked()).includes('r-1'));
  const listed = (await parties.list()).map((p) => p.partyId);
  assert.not.ok(listed.includes('r-1') || listed.includes('r-2'), 'revoked parties are not listed');
  assert.not.ok((await parties.admittedByToken()).includes('r-1'));
  assert.not.ok((await parties.fixedRoles()).some(([id]) => id === 'r-1'));
  // neither a new token nor the configuration admits a revoked party again
  await parties.admit('r-1', 'token', 'persistent');
  await parties.admit('r-2', 'config');
  assert.ok((await parties.revoked()).includes('r-1') && (await parties.revoked()).includes('r-2'));
  assert.not.ok((await parties.admittedByToken()).includes('r-1'));
});

test('api keys: uses counted (also concurrently), last use recorded', async () => {
  const { apiKeys } = db.repos;
  assert.is(await apiKeys.usage('kh-1'), undefined);
  await apiKeys.recordUse('kh-1');
  const first = await apiKeys.usage('kh-1');
  assert.is(first?.uses, 1);
  assert.instance(first?.lastUsed, Date);
  await Promise.all(Array.from({ length: 5 }, () => apiKeys.recordUse('kh-1')));
  const after = await apiKeys.usage('kh-1');
  assert.is(after?.uses, 6);
  assert.ok(after!.lastUsed >= first!.lastUsed);
  assert.is(await apiKeys.usage('kh-2'), undefined);
});

test('idempotency: a claim abandoned by a stopped coordinator is taken over after its staleness limit', async () => {
  const { idempotency } = db.repos;
  assert.equal(await idempotency.begin('scope-s', 'k1', 'h1'), { state: 'new' });
  assert.equal(await idempotency.begin('scope-s', 'k1', 'h1'), { state: 'in-progress' });
  await db.pool.query(
    `UPDATE idempotency_keys SET created_at = now() - interval '11 minutes' WHERE scope = 'scope-s' AND key = 'k1'`,
  );
  assert.equal(await idempotency.begin('scope-s', 'k1', 'h1'), { state: 'new' }, 'taken over');
  assert.equal(await idempotency.begin('scope-s', 'k1', 'h1'), { state: 'in-progress' }, 'and claimed afresh');
  await idempotency.complete('scope-s', 'k1', 200, { ok: true });
  await db.pool.query(
    `UPDATE idempotency_keys SET created_at = now() - interval '11 minutes' WHERE scope = 'scope-s' AND key = 'k1'`,
  );
  assert.equal(await idempotency.begin('scope-s', 'k1', 'h1'), { state: 'done', status: 200, body: { ok: true } });
});

test('idempotency: new, in-progress, mismatch, done, release', async () => {
  const { idempotency } = db.repos;
  assert.equal(await idempotency.begin('scope-a', 'k1', 'h1'), { state: 'new' });
  assert.equal(await idempotency.begin('scope-a', 'k1', 'h1'), { state: 'in-progress' });
  assert.equal(await idempotency.begin('scope-a', 'k1', 'h2'), { state: 'mismatch' });
  assert.equal(await idempotency.begin('scope-b', 'k1', 'h2'), { state: 'new' }, 'scopes are separate');

  await idempotency.complete('scope-a', 'k1', 201, { accountId: 'a', list: [1] });
  const done = { state: 'done', status: 201, body: { accountId: 'a', list: [1] } };
  assert.equal(await idempotency.begin('scope-a', 'k1', 'h1'), done);
  assert.equal(await idempotency.begin('scope-a', 'k1', 'h2'), { state: 'mismatch' });
  await idempotency.release('scope-a', 'k1');
  assert.equal(await idempotency.begin('scope-a', 'k1', 'h1'), done, 'a stored response is not released');
  await idempotency.complete('scope-a', 'k1', 500, { other: true });
  assert.equal(await idempotency.begin('scope-a', 'k1', 'h1'), done, 'a stored response is final');

  await idempotency.release('scope-b', 'k1');
  assert.equal(await idempotency.begin('scope-b', 'k1', 'h3'), { state: 'new' }, 'a released key can be claimed');

  const claims = await Promise.all(Array.from({ length: 4 }, () => idempotency.begin('scope-c', 'race', 'h')));
  assert.is(claims.filter((c) => c.state === 'new').length, 1, 'exactly one concurrent claim wins');
  await idempotency.complete('scope-c', 'race', 204, null);
  assert.equal(await idempotency.begin('scope-c', 'race', 'h'), { state: 'done', status: 204, body: null });
});

test('join tokens: redeemed once only, expired refused, outstanding counted', async () => {
  const { joinTokens } = db.repos;
  const now = new Date();
  const later = new Date(now.getTime() + 60_000);
  const base = await joinTokens.outstanding(now);
  await joinTokens.create('t-1', later);
  await joinTokens.create('t-2', later);
  await joinTokens.create('t-old', new Date(now.getTime() - 1000));
  assert.is(await joinTokens.outstanding(now), base + 2);
  assert.is(await joinTokens.redeem('t-1', 'peer-x', now), 'persistent', 'the default role');
  assert.not.ok(await joinTokens.redeem('t-1', 'peer-y', now), 'a token is redeemed once');
  assert.not.ok(await joinTokens.redeem('t-old', 'peer-x', now), 'an expired token is refused');
  assert.not.ok(await joinTokens.redeem('t-none', 'peer-x', now));
  assert.not.ok(await joinTokens.redeem('t-2', 'peer-x', later), 'expiry is exclusive');
  assert.is(await joinTokens.outstanding(now), base + 1);
  assert.is(await joinTokens.outstanding(later), base);
  const used = await db.pool.query<{ used_by: string }>('SELECT used_by FROM join_tokens WHERE token_hash = $1', [
    't-1',
  ]);
  assert.is(used.rows[0]?.used_by, 'peer-x');

  await joinTokens.create('t-race', later);
  const wins = await Promise.all(['a', 'b', 'c'].map((p) => joinTokens.redeem('t-race', p, now)));
  assert.is(wins.filter(Boolean).length, 1, 'exactly one concurrent redeem wins');
  await rejects(joinTokens.create('t-2', later), /duplicate|unique/i);
  await joinTokens.create('t-ext', later, 'external');
  assert.is(await joinTokens.redeem('t-ext', 'peer-e', now), 'external', 'the token carries its role');
});

test('GET /parties lists a party as soon as it registered, before its presence reaches the table', async () => {
  // Presence is written in the background: on PostgreSQL a party that had just been told "registered" was
  // missing from the list (CI, coordinator-access e2e). The live view fills the gap; a revoked (offline) one
  // is not added back.
  await db.repos.parties.registered({ partyId: 'peer-listed-a', role: 'persistent', version: '1', addresses: [] });
  const live = (partyId: string, online: boolean): Presence => ({
    partyId,
    role: 'persistent',
    version: '1',
    addresses: ['/ip4/10.0.0.9/tcp/7001'],
    online,
    lastSeen: new Date(),
    bans: [],
    draining: false,
  });
  const presence = [live('peer-listed-a', true), live('peer-listed-0', true), live('peer-listed-gone', false)];
  const reads = new Reads({
    repos: db.repos,
    journalOf: () => undefined,
    network: {
      presence: () => presence,
      get: (id) => presence.find((p) => p.partyId === id),
      isOnline: (id) => presence.some((p) => p.partyId === id && p.online),
    },
  });
  const listed = (await reads.listParties()).filter((p) => p.partyId.startsWith('peer-listed-'));
  assert.equal(
    listed.map((p) => [p.partyId, p.status]),
    [
      ['peer-listed-0', 'online'],
      ['peer-listed-a', 'online'],
    ],
  );
  assert.equal(listed[0]?.addresses, ['/ip4/10.0.0.9/tcp/7001']);
});

test('real PostgreSQL: two coordinators migrating one fresh schema at once apply it once', async () => {
  if (!realPostgres) return; // needs a server: PGlite is one process's own database
  const url = process.env.DATABASE_URL!;
  const schema = `t_race_${process.pid}_${Date.now()}`;
  const [a, b] = await Promise.all([openDatabase({ url, schema }), openDatabase({ url, schema })]);
  try {
    const n = await a.pool.query('SELECT name FROM schema_migrations');
    assert.is(n.rowCount, (await migrationFiles()).length);
    assert.ok(await b.repos.ping());
  } finally {
    await a.pool.query(`DROP SCHEMA ${schema} CASCADE`);
    await a.close();
    await b.close();
  }
});

test.run();
