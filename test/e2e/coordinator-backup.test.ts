/**
 * Coordinator backup and restore (issue: key lifecycle): the logical dump through the `pg` code on the test
 * database (PGlite, or PostgreSQL in CI's third pass) loads into an empty database unchanged, all or nothing;
 * and `mpc coordinator backup|restore` through the CLI bring a coordinator back on a new data directory with
 * the same peer id and the same accounts.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type Database, openDatabase } from '../../coordinator/db/database.js';
import { dumpDatabase, loadDump } from '../../coordinator/db/dump.js';
import type { AccountParty } from '../../coordinator/db/types.js';
import { startTestCoordinator } from '../helpers/coordinator.js';
import { testDatabase } from '../helpers/database.js';
import { mpc } from '../helpers/processes.js';

const root = mkdtempSync(join(tmpdir(), 'mpc-coord-backup-'));
const passFile = join(root, 'pass');
writeFileSync(passFile, 'coordinator backup passphrase\n');
const parties: AccountParty[] = [
  { partyId: 'peer-a', index: 1, role: 'persistent' },
  { partyId: 'peer-b', index: 2, role: 'persistent' },
];

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return (e as { code?: string }).code ?? String(e);
  }
  assert.unreachable('expected a failure');
  return '';
}

/** A database with a row in every table the coordinator writes. */
async function populate(db: Database): Promise<void> {
  const r = db.repos;
  await r.parties.registered({
    partyId: 'peer-a',
    role: 'persistent',
    version: '1',
    addresses: ['/ip4/10.0.0.1/tcp/7001'],
  });
  await r.accounts.insert({
    accountId: 'acct-1',
    userId: 'u1',
    keyId: 'ab'.repeat(8),
    threshold: 2,
    sessionId: 'cd'.repeat(32),
    parties,
  });
  await r.accounts.activate('acct-1', `0x02${'11'.repeat(32)}`, '0x0000000000000000000000000000000000000001', null);
  await r.sessions.insert({
    sessionId: 'ef'.repeat(32),
    kind: 'sign',
    accountId: 'acct-1',
    parties: parties.map((p) => ({ partyId: p.partyId, index: p.index })),
    messageHash: '22'.repeat(32),
    attempt: 1,
    retryOf: null,
    record: Uint8Array.of(0, 1, 2, 255),
  } as Parameters<typeof r.sessions.insert>[0]);
  await r.sessions.appendEvents('ef'.repeat(32), [
    { type: 'announced', detail: { n: 1 }, at: new Date() },
    { type: 'result', detail: { ok: true }, partyId: 'peer-a', at: new Date() },
  ]);
  await r.joinTokens.create('token-hash-1', new Date(Date.now() + 60_000), 'external');
  await r.idempotency.begin('scope', 'key-1', 'hash-1');
}

test.after(() => rmSync(root, { recursive: true, force: true }));

test('dump → load into an empty database gives the same content; bytea, jsonb, timestamps and serials survive', async () => {
  const a = await testDatabase();
  const b = await testDatabase();
  try {
    await populate(a);
    const dump = await dumpDatabase(a.pool);
    assert.is(dump.tables.session_events?.length, 2);
    const { rows } = await loadDump(b.pool, dump);
    assert.ok(rows >= 7, `${rows} rows`);
    assert.equal(await dumpDatabase(b.pool), dump, 'restored content is identical');
    const account = await b.repos.accounts.get('acct-1');
    assert.is(account?.status, 'active');
    assert.equal(account?.parties.map((p) => p.partyId).sort(), ['peer-a', 'peer-b']);
    const session = await b.repos.sessions.get('ef'.repeat(32));
    assert.equal([...(session?.record ?? [])], [0, 1, 2, 255]);
    // the event id sequence continues after the restored ids
    await b.repos.sessions.appendEvents('ef'.repeat(32), [{ type: 'later', detail: {}, at: new Date() }]);
    const events = await b.repos.sessions.events('ef'.repeat(32));
    assert.equal(
      events.map((e) => e.type),
      ['announced', 'result', 'later'],
    );
    // a second load finds data and changes nothing
    assert.is(await code(loadDump(b.pool, dump)), 'NOT_EMPTY');
    assert.equal((await dumpDatabase(b.pool)).tables.accounts, dump.tables.accounts);
  } finally {
    await a.close();
    await b.close();
  }
});

test('a dump from a newer version or with unknown columns is refused, loading nothing', async () => {
  const a = await testDatabase();
  const b = await testDatabase();
  try {
    await populate(a);
    const dump = await dumpDatabase(a.pool);
    assert.is(
      await code(loadDump(b.pool, { ...dump, migrations: [...dump.migrations, '999_future.sql'] })),
      'INCOMPATIBLE',
    );
    const rows = dump.tables.accounts!.map((r) => ({ ...r, surprise: 1 }));
    assert.is(await code(loadDump(b.pool, { ...dump, tables: { ...dump.tables, accounts: rows } })), 'INCOMPATIBLE');
    assert.is(
      await code(loadDump(b.pool, { ...dump, tables: { ...dump.tables, nonsense: [{ a: 1 }] } })),
      'INCOMPATIBLE',
    );
    assert.equal((await dumpDatabase(b.pool)).tables.parties, [], 'all or nothing');
  } finally {
    await a.close();
    await b.close();
  }
});

test('mpc coordinator backup | restore: a new data directory comes back with the same peer id and accounts', async () => {
  const env = { ...process.env, CRYPTO_MASTER_KEY: 'c3'.repeat(32), DATABASE_URL: '' };
  const dir = join(root, 'coordinator');
  const { MasterKey } = await import('../../src/runtime/master-key.js');
  const identityKey = MasterKey.fromHex('c3'.repeat(32), 'test').subKey('coordinatorIdentity');
  // the CLI part runs on the embedded database, whatever DATABASE_URL says (the dump ran on it above)
  const embedded = { databaseUrl: undefined } as unknown as Record<string, never>;
  const first = await startTestCoordinator('backup-test-api-key-0123', [], { dataDir: dir, identityKey, ...embedded });
  const peerId = first.peerId;
  // while it runs, the embedded database is locked: one line saying what to do
  const locked = mpc(
    ['coordinator', 'backup', '--data-dir', dir, '--out', join(root, 'x.bak'), '--passphrase-file', passFile],
    env,
  );
  assert.is(await locked.exited, 1, locked.out);
  assert.match(locked.out, /in use|locked/i);
  await first.stop();
  const db = await openDatabase({ dataDir: join(dir, 'pgdata') });
  await populate(db);
  await db.close();

  const out = join(root, 'coordinator.mpcbak');
  const backup = mpc(['coordinator', 'backup', '--data-dir', dir, '--out', out, '--passphrase-file', passFile], env);
  assert.is(await backup.exited, 0, backup.out);
  assert.match(backup.out, new RegExp(`^wrote .* peerId ${peerId}, database embedded, accounts 1, sessions 1`, 'm'));

  const target = join(root, 'coordinator-restored');
  const restore = mpc(
    ['coordinator', 'restore', '--data-dir', target, '--in', out, '--passphrase-file', passFile],
    env,
  );
  assert.is(await restore.exited, 0, restore.out);
  assert.match(restore.out, new RegExp(`^restored coordinator ${peerId} into `, 'm'));
  // a second restore into the same directory is refused
  const again = mpc(['coordinator', 'restore', '--data-dir', target, '--in', out, '--passphrase-file', passFile], env);
  assert.is(await again.exited, 1, again.out);
  assert.match(again.out, /not empty/);

  const back = await startTestCoordinator('backup-test-api-key-0123', [], {
    dataDir: target,
    identityKey,
    ...embedded,
  });
  try {
    assert.is(back.peerId, peerId, 'the parties find the same coordinator');
    const res = await fetch(`${back.apiUrl}/api/v1/accounts/acct-1`, {
      headers: { 'x-api-key': 'backup-test-api-key-0123' },
    });
    assert.is(res.status, 200);
    assert.is(((await res.json()) as { address: string }).address, '0x0000000000000000000000000000000000000001');
  } finally {
    await back.stop();
  }
});

test.run();
