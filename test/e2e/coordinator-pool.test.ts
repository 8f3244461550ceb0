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
import { startTestCoordinator } from '../helpers/coordinator.js';
import { listedParty, type PartyPlace, registrationRefusal, withParty } from '../helpers/party-nodes.js';

const MASTER = 'cf'.repeat(32);
const API_KEY = 'pool-test-api-key-0123456789';
const POOL = 'a1'.repeat(32);
const DELEGATE_POOL = 'b2'.repeat(32);
const ROTATED = 'c3'.repeat(32);
const dir = mkdtempSync(join(tmpdir(), 'mpc-pool-'));
let coordinator: RunningCoordinator;

const place: PartyPlace = { dir, master: MASTER, coordinator: () => coordinator.multiaddrs[0] as string };

const listed = (peerId: string) => listedParty(coordinator.apiUrl, API_KEY, peerId);

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
    await withParty(place, name, { poolSecret: POOL }, async (p) => {
      assert.ok(p.node.registered, `${name} registered with the pool secret`);
      const shown = await listed(p.peerId);
      assert.is(shown?.status, 'online');
      assert.is(shown?.role, 'persistent');
    });
  }
});

test('a wrong pool secret is refused with BAD_POOL_SECRET and the party is not listed', async () => {
  await withParty(place, 'wrong', { poolSecret: 'ff'.repeat(32) }, async (p) => {
    assert.not.ok(p.node.registered);
    assert.match(await registrationRefusal(p), /refused the pool secret: BAD_POOL_SECRET: /);
    assert.is(await listed(p.peerId), undefined);
  });
});

test('the delegate pool secret admits delegates only: registering as persistent is ROLE_MISMATCH', async () => {
  await withParty(place, 'delegate-1', { poolSecret: DELEGATE_POOL }, async (p) => {
    assert.not.ok(p.node.registered, 'a delegate secret made a persistent party');
    assert.match(await registrationRefusal(p), /ROLE_MISMATCH: .*for the role delegate; start it with --role delegate/);
    assert.is(await listed(p.peerId), undefined);
  });
  await withParty(place, 'delegate-1', { poolSecret: DELEGATE_POOL, role: 'delegate' }, async (p) => {
    assert.ok(p.node.registered);
    assert.is((await listed(p.peerId))?.role, 'delegate');
  });
  // and the persistent secret does not make a delegate
  await withParty(place, 'delegate-2', { poolSecret: POOL, role: 'delegate' }, async (p) => {
    assert.match(await registrationRefusal(p), /ROLE_MISMATCH: .*for the role persistent/);
  });
});

test('rotation: after the secret changes, a newcomer with the old one is refused; admitted parties stay', async () => {
  await coordinator.stop();
  await startCoordinator({ persistent: ROTATED });
  await withParty(place, 'newcomer', { poolSecret: POOL }, async (p) => {
    assert.not.ok(p.node.registered, 'the old secret still admits');
    assert.match(await registrationRefusal(p), /BAD_POOL_SECRET/);
  });
  // admitted by the old secret before the rotation, stored as admitted by the pool: still in, with its role
  await withParty(place, 'pool-1', { poolSecret: POOL }, async (p) => {
    assert.ok(p.node.registered, 'an admitted party was dropped by the rotation');
    assert.is((await listed(p.peerId))?.role, 'persistent');
  });
  await withParty(place, 'delegate-1', { role: 'delegate' }, async (p) => {
    assert.ok(p.node.registered, 'the delegate admitted by the pool stays, without presenting a secret');
  });
  await withParty(place, 'newcomer', { poolSecret: ROTATED }, async (p) => {
    assert.ok(p.node.registered, 'the new secret admits');
  });
});

test.run();
