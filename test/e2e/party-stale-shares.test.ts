/**
 * Parties settle their stale pending shares by asking the coordinator (issue 10, item 4): on a real coordinator
 * and real party nodes over libp2p, a party that missed the commit of an account commits its share when it
 * registers (and then signs with it); a stale pending share of a key the coordinator never settled as active is
 * discarded; a pending share younger than the keygen deadline is not asked about; and while the coordinator
 * cannot be reached, every share is kept.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { RunningCoordinator } from '../../coordinator/server.js';
import { toHex } from '../../protocols/common/bytes.js';
import { createIdentity, loadIdentity } from '../../src/party/identity.js';
import { PartyNode } from '../../src/party/node.js';
import { MasterKey } from '../../src/runtime/master-key.js';
import { ShareStore } from '../../src/store/share-store.js';
import { startTestCoordinator } from '../helpers/coordinator.js';

const API_KEY = 'stale-shares-test-api-key-0123456789';
/** A pending share older than this is stale (short, so that the test need not wait a keygen deadline). */
const STALE_MS = 300;
const dir = mkdtempSync(join(tmpdir(), 'mpc-stale-'));
const master = () => MasterKey.fromHex('5a'.repeat(32), 'test');
let coordinator: RunningCoordinator;
let coordinatorStopped = false;
const parties: { store: ShareStore; node: PartyNode; peerId: string; stopped?: boolean }[] = [];

async function api(method: string, path: string, body?: unknown) {
  const res = await fetch(`${coordinator.apiUrl}${path}`, {
    method,
    headers: { 'x-api-key': API_KEY, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  // biome-ignore lint/suspicious/noExplicitAny: JSON bodies of the API under test are read loosely
  return { status: res.status, body: (await res.json()) as any };
}

function startNode(store: ShareStore, key: Awaited<ReturnType<typeof createIdentity>>['key']) {
  return PartyNode.start({
    store,
    identity: key,
    coordinator: coordinator.multiaddrs[0] as string,
    version: '0.1.0',
    roundTimeoutMs: 5_000,
    stalePendingMs: STALE_MS,
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    assert.ok(Date.now() < deadline, what);
    await sleep(50);
  }
}

/** A copy of `share` under another key id: a pending share of a keygen the coordinator never made active. */
function otherKey<T extends { keyId: Uint8Array }>(share: T): T {
  return { ...share, keyId: randomBytes(32) };
}

test.before(async () => {
  const made: { store: ShareStore; key: Awaited<ReturnType<typeof createIdentity>> }[] = [];
  for (let i = 1; i <= 3; i++) {
    const store = await ShareStore.open(join(dir, `p${i}`), master());
    made.push({ store, key: await createIdentity(store) });
  }
  coordinator = await startTestCoordinator(
    API_KEY,
    made.map((m) => m.key.peerId),
  );
  for (const { store, key } of made) {
    parties.push({ store, node: await startNode(store, key.key), peerId: key.peerId });
  }
  await until('the parties never came online', async () => parties.every((p) => p.node.registered));
});

test.after(async () => {
  for (const p of parties.filter((x) => !x.stopped)) {
    await p.node.stop();
    await p.store.close();
  }
  if (!coordinatorStopped) await coordinator.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('a party that missed the commit commits its share when it registers; a stale unsettled key is discarded', async () => {
  const created = await api('POST', '/api/v1/accounts', { userId: 'stale' });
  assert.is(created.status, 201, JSON.stringify(created.body));
  const first = parties[0] as (typeof parties)[0];
  const [info] = await first.store.listShares();
  assert.ok(info, 'party 1 holds the share');
  assert.is(info.status, 'committed');
  // party 1 as it would be had it crashed before the commit reached it: its identity, the share still pending
  const share = (await first.store.getShare(info.keyId))?.share;
  assert.ok(share);
  const identity = await first.store.getIdentity();
  assert.ok(identity);
  await first.node.stop();
  await first.store.close();
  const store = await ShareStore.open(join(dir, 'p1-missed-commit'), master());
  await store.putIdentity(identity);
  await store.putPendingShare(share);
  const unknown = otherKey(share);
  await store.putPendingShare(unknown);
  await sleep(STALE_MS + 100);
  const node = await startNode(store, (await loadIdentity(store)).key);
  Object.assign(first, { store, node });
  await until('the missed commit was never healed, or the unsettled key never discarded', async () => {
    const listed = await store.listShares();
    return listed.length === 1 && listed[0]?.status === 'committed' && toHex(listed[0].keyId) === toHex(info.keyId);
  });
  assert.is(await store.getShare(unknown.keyId), undefined);
  // the healed share signs
  const signed = await api('POST', `/api/v1/accounts/${created.body.accountId}/sign`, {
    messageHash: `0x${'42'.repeat(32)}`,
    include: [first.peerId],
  });
  assert.is(signed.status, 200, JSON.stringify(signed.body));
});

test('a pending share younger than the keygen deadline is not asked about; once stale, it is settled', async () => {
  const p = parties[1] as (typeof parties)[0];
  const [info] = await p.store.listShares();
  assert.ok(info);
  const share = (await p.store.getShare(info.keyId))?.share;
  assert.ok(share);
  const young = otherKey(share);
  await p.store.putPendingShare(young);
  const now = await p.node.sweepStaleShares();
  assert.is(now.asked, 0);
  assert.ok(await p.store.getShare(young.keyId), 'a young pending share is kept');
  // once stale, the node's periodic sweep (every STALE_MS here) asks and discards it
  await until('the stale pending share was never discarded', async () => !(await p.store.getShare(young.keyId)));
  assert.is((await p.store.getShare(info.keyId))?.status, 'committed', 'a committed share is never touched');
});

test('while the coordinator cannot be reached, stale pending shares are kept', async () => {
  const p = parties[2] as (typeof parties)[0];
  const [info] = await p.store.listShares();
  assert.ok(info);
  const share = (await p.store.getShare(info.keyId))?.share;
  assert.ok(share);
  await coordinator.stop();
  coordinatorStopped = true;
  const stale = otherKey(share);
  await p.store.putPendingShare(stale);
  await sleep(STALE_MS + 100);
  // the second sweep surely started after the share became stale (the first may be a periodic one under way)
  await p.node.sweepStaleShares();
  const report = await p.node.sweepStaleShares();
  assert.equal(report, { asked: 1, committed: 0, discarded: 0, kept: 1 });
  assert.is((await p.store.getShare(stale.keyId))?.status, 'pending');
});

test.run();
