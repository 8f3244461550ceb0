/**
 * The operator decides who is in the network and as what (issue 10 item 10), on a real coordinator (in
 * process, its database PGlite on disk or DATABASE_URL, restarted once), real party nodes over libp2p, and the
 * real CLI for the operator's commands: a join token fixes the role (`mpc coordinator join-token --role
 * external`; before, the joining peer chose its own), and `mpc coordinator revoke-party` / `DELETE
 * /api/v1/parties/:id` disconnect a party and refuse it for good: with a new token, when the configuration
 * lists it, and after a restart.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { RunningCoordinator } from '../../coordinator/server.js';
import type { PartyRole } from '../../protocols/control/control.js';
import { startTestCoordinator } from '../helpers/coordinator.js';
import {
  listedParty,
  type PartyPlace,
  partyPeerId,
  registrationRefusal,
  startParty,
  stopParty,
  withParty,
} from '../helpers/party-nodes.js';
import { mpc } from '../helpers/processes.js';

const MASTER = 'ce'.repeat(32);
const API_KEY = 'access-test-api-key-0123456789';
const dir = mkdtempSync(join(tmpdir(), 'mpc-access-'));
const coordinatorDir = join(dir, 'coordinator');
let coordinator: RunningCoordinator;
/** The peer the coordinator's configuration admits (`--allow-peer`). */
let configured = '';

const place: PartyPlace = { dir, master: MASTER, coordinator: () => coordinator.multiaddrs[0] as string };

function cliEnv(): NodeJS.ProcessEnv {
  return { ...process.env, MPC_API_KEY: API_KEY };
}

/** `mpc coordinator join-token --role <role>` against the running coordinator: the token it prints. */
async function tokenFromCli(role: PartyRole): Promise<string> {
  const run = mpc(['coordinator', 'join-token', '--api-url', coordinator.apiUrl, '--role', role], cliEnv());
  assert.is(await run.exited, 0, run.out);
  assert.match(run.out, new RegExp(`role ${role}, valid until`));
  return (run.out.match(/^mpcjoin_[A-Za-z0-9_-]{43}$/m) as RegExpMatchArray)[0];
}

const listed = (peerId: string) => listedParty(coordinator.apiUrl, API_KEY, peerId);

async function until(what: string, f: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await f())) {
    if (Date.now() > end) assert.unreachable(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function startCoordinator(): Promise<void> {
  coordinator = await startTestCoordinator(API_KEY, [configured], { dataDir: coordinatorDir });
}

test.before(async () => {
  configured = await partyPeerId(place, 'configured');
  await startCoordinator();
});

test.after(async () => {
  await coordinator.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('a join token made with --role external admits its party as external only (ROLE_MISMATCH otherwise)', async () => {
  const token = await tokenFromCli('external');
  // the joining peer asks to be persistent (a share holder of every new account): refused, not listed
  await withParty(place, 'external', { joinToken: token }, async (p) => {
    assert.not.ok(p.node.registered, 'registered with a role the token does not give');
    assert.match(
      await registrationRefusal(p),
      /ROLE_MISMATCH: .*join token for the role external; start it with --role external/,
    );
    assert.is(await listed(p.peerId), undefined);
  });
  // the token is used, the admission stays, with its role
  await withParty(place, 'external', { role: 'external' }, async (p) => {
    assert.ok(p.node.registered);
    const shown = await listed(p.peerId);
    assert.is(shown?.status, 'online');
    assert.is(shown?.role, 'external');
  });
});

test('mpc coordinator revoke-party disconnects a party and refuses it, also with a new token', async () => {
  const token = await tokenFromCli('persistent');
  const p = await startParty(place, 'revoked', { joinToken: token });
  try {
    assert.ok(p.node.registered);
    assert.is((await listed(p.peerId))?.status, 'online');
    const run = mpc(['coordinator', 'revoke-party', p.peerId, '--api-url', coordinator.apiUrl], cliEnv());
    assert.is(await run.exited, 0, run.out);
    const revokedAt = (run.out.match(new RegExp(`^revoked ${p.peerId} at (\\S+)$`, 'm')) as RegExpMatchArray)[1];
    await until('the revoked party is disconnected', () => !p.node.registered);
    assert.is(await listed(p.peerId), undefined, 'a revoked party is not listed');
    assert.ok((await registrationRefusal(p)).length > 0);
    // revoking again answers the first revocation
    const again = await fetch(`${coordinator.apiUrl}/api/v1/parties/${p.peerId}`, {
      method: 'DELETE',
      headers: { 'x-api-key': API_KEY },
    });
    assert.is(again.status, 200);
    assert.equal(await again.json(), { partyId: p.peerId, revokedAt });
  } finally {
    await stopParty(p);
  }
  // a fresh token does not let it back in
  const fresh = await tokenFromCli('persistent');
  await withParty(place, 'revoked', { joinToken: fresh }, async (q) => {
    assert.not.ok(q.node.registered);
    assert.ok((await registrationRefusal(q)).length > 0);
    assert.is(await listed(q.peerId), undefined);
  });
});

test('revoke-party of an unknown peer id fails with the 404, exit 1; a configured peer can be revoked', async () => {
  const unknown = '12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2Xo';
  const run = mpc(['coordinator', 'revoke-party', unknown, '--api-url', coordinator.apiUrl], cliEnv());
  assert.is(await run.exited, 1, run.out);
  assert.match(run.out, new RegExp(`^mpc: the coordinator answered 404: party ${unknown} not found\\n$`));
  await withParty(place, 'configured', {}, async (p) => {
    assert.ok(p.node.registered, 'the configuration admits it');
    const del = await fetch(`${coordinator.apiUrl}/api/v1/parties/${p.peerId}`, {
      method: 'DELETE',
      headers: { 'x-api-key': API_KEY },
    });
    assert.is(del.status, 200);
    await until('the revoked party is disconnected', () => !p.node.registered);
  });
});

test('after a coordinator restart: revoked parties stay refused (configured or not), token roles stay fixed', async () => {
  await coordinator.stop();
  await startCoordinator();
  for (const name of ['revoked', 'configured']) {
    await withParty(place, name, {}, async (p) => {
      assert.not.ok(p.node.registered, `${name} is refused after the restart`);
      assert.is(await listed(p.peerId), undefined);
    });
  }
  await withParty(place, 'external', {}, async (p) => {
    assert.match(await registrationRefusal(p), /ROLE_MISMATCH/);
  });
  await withParty(place, 'external', { role: 'external' }, async (p) => {
    assert.ok(p.node.registered);
  });
});

test.run();
