/**
 * Admission by pool secret (MPC_POOL_SECRET, MPC_DELEGATE_POOL_SECRET) on a real coordinator (database of
 * DATABASE_URL or PGlite on disk, restarted for the rotation) and real party nodes over libp2p: the right secret
 * admits any party with the secret's role, reusably; a wrong one is refused with BAD_POOL_SECRET; the delegate
 * secret cannot make a persistent party; after a rotation a newcomer with the old secret is refused while the
 * parties it admitted stay admitted.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { PoolSecretConfig } from '../../coordinator/p2p/pool-secrets.js';
import type { RunningCoordinator } from '../../coordinator/server.js';
import type { PartyRole } from '../../protocols/control/control.js';
import { createIdentity, loadIdentity } from '../../src/party/identity.js';
import { PartyNode } from '../../src/party/node.js';
import { MasterKey } from '../../src/runtime/master-key.js';
import { ShareStore } from '../../src/store/share-store.js';
import { startTestCoordinator } from '../helpers/coordinator.js';

const MASTER = 'cf'.repeat(32);
const API_KEY = 'pool-test-api-key-0123456789';
const POOL = 'a1'.repeat(32);
const DELEGATE_POOL = 'b2'.repeat(32);
const ROTATED = 'c3'.repeat(32);
const dir = mkdtempSync(join(tmpdir(), 'mpc-pool-'));
let coordinator: RunningCoordinator;

interface Party {
  store: ShareStore;
  node: PartyNode;
  peerId: string;
}

async function startParty(name: string, opts: { poolSecret?: string; role?: PartyRole } = {}): Promise<Party> {
  const store = await ShareStore.open(join(dir, name), MasterKey.fromHex(MASTER, 'test'));
  const { key, peerId } = (await store.getIdentity()) ? await loadIdentity(store) : await createIdentity(store);
  const node = await PartyNode.start({
    store,
    identity: key,
    coordinator: coordinator.multiaddrs[0] as string,
    version: '0.1.0',
    ...(opts.poolSecret ? { poolSecret: opts.poolSecret } : {}),
    ...(opts.role ? { role: opts.role } : {}),
  });
  return { store, node, peerId };
}

async function withParty(name: string, opts: Parameters<typeof startParty>[1], f: (p: Party) => Promise<void>) {
  const p = await startParty(name, opts);
  try {
    await f(p);
  } finally {
    await p.node.stop();
    await p.store.close();
  }
}

/** The refusal of an explicit registration attempt (the node's own retries run in the background). */
async function refusal(p: Party): Promise<string> {
  const outcome = await p.node.register().then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(outcome instanceof Error, 'expected the registration to be refused');
  return outcome.message;
}

async function listed(peerId: string): Promise<{ status: string; role: string } | undefined> {
  const res = await fetch(`${coordinator.apiUrl}/api/v1/parties`, { headers: { 'x-api-key': API_KEY } });
  const body = (await res.json()) as { parties: { partyId: string; status: string; role: string }[] };
  return body.parties.find((p) => p.partyId === peerId);
}

async function startCoordinator(poolSecrets: PoolSecretConfig): Promise<void> {
  coordinator = await startTestCoordinator(API_KEY, [], { dataDir: join(dir, 'coordinator'), poolSecrets });
}

test.before(async () => {
  await startCoordinator({ persistent: POOL, delegate: DELEGATE_POOL });
});

test.after(async () => {
  await coordinator.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('the pool secret admits any party with its role, reusably; nothing but the admission is kept', async () => {
  for (const name of ['pool-1', 'pool-2']) {
    await withParty(name, { poolSecret: POOL }, async (p) => {
      assert.ok(p.node.registered, `${name} registered with the pool secret`);
      const shown = await listed(p.peerId);
      assert.is(shown?.status, 'online');
      assert.is(shown?.role, 'persistent');
    });
  }
});

test('a wrong pool secret is refused with BAD_POOL_SECRET and the party is not listed', async () => {
  await withParty('wrong', { poolSecret: 'ff'.repeat(32) }, async (p) => {
    assert.not.ok(p.node.registered);
    assert.match(await refusal(p), /refused the pool secret: BAD_POOL_SECRET: /);
    assert.is(await listed(p.peerId), undefined);
  });
});

test('the delegate pool secret admits delegates only: registering as persistent is ROLE_MISMATCH', async () => {
  await withParty('delegate-1', { poolSecret: DELEGATE_POOL }, async (p) => {
    assert.not.ok(p.node.registered, 'a delegate secret made a persistent party');
    assert.match(await refusal(p), /ROLE_MISMATCH: .*for the role delegate; start it with --role delegate/);
    assert.is(await listed(p.peerId), undefined);
  });
  await withParty('delegate-1', { poolSecret: DELEGATE_POOL, role: 'delegate' }, async (p) => {
    assert.ok(p.node.registered);
    assert.is((await listed(p.peerId))?.role, 'delegate');
  });
  // and the persistent secret does not make a delegate
  await withParty('delegate-2', { poolSecret: POOL, role: 'delegate' }, async (p) => {
    assert.match(await refusal(p), /ROLE_MISMATCH: .*for the role persistent/);
  });
});

test('rotation: after the secret changes, a newcomer with the old one is refused; admitted parties stay', async () => {
  await coordinator.stop();
  await startCoordinator({ persistent: ROTATED });
  await withParty('newcomer', { poolSecret: POOL }, async (p) => {
    assert.not.ok(p.node.registered, 'the old secret still admits');
    assert.match(await refusal(p), /BAD_POOL_SECRET/);
  });
  // admitted by the old secret before the rotation, stored as admitted by the pool: still in, with its role
  await withParty('pool-1', { poolSecret: POOL }, async (p) => {
    assert.ok(p.node.registered, 'an admitted party was dropped by the rotation');
    assert.is((await listed(p.peerId))?.role, 'persistent');
  });
  await withParty('delegate-1', { role: 'delegate' }, async (p) => {
    assert.ok(p.node.registered, 'the delegate admitted by the pool stays, without presenting a secret');
  });
  await withParty('newcomer', { poolSecret: ROTATED }, async (p) => {
    assert.ok(p.node.registered, 'the new secret admits');
  });
});

test.run();
