/**
 * Admission to the coordinator's p2p network by one-time join token, on a real coordinator (in process, its
 * database PGlite or DATABASE_URL) and real party nodes: an unknown peer is refused; a token from the REST API
 * (or `mpc coordinator join-token`) admits exactly one peer, once; the admission survives the party's restart
 * without the token; a used or expired token admits nobody; an external party that joins by token is listed
 * online only once it is reachable through its relay slot, so a keygen and a signing started the moment it is
 * listed succeed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recoverAddress } from 'ethers';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { RunningCoordinator } from '../../coordinator/server.js';
import type { PartyRole } from '../../protocols/control/control.js';
import type { Log } from '../../src/runtime/logger.js';
import { startTestCoordinator } from '../helpers/coordinator.js';
import {
  listedParty,
  type PartyPlace,
  partyPeerId,
  restClient,
  startParty,
  stopParty,
} from '../helpers/party-nodes.js';
import { mpc } from '../helpers/processes.js';

const MASTER = 'cd'.repeat(32);
const API_KEY = 'join-test-api-key-0123456789';
const dir = mkdtempSync(join(tmpdir(), 'mpc-join-'));
let coordinator: RunningCoordinator;

const place: PartyPlace = { dir, master: MASTER, coordinator: () => coordinator.multiaddrs[0] as string };

async function newToken(role?: PartyRole): Promise<string> {
  const res = await fetch(`${coordinator.apiUrl}/api/v1/join-tokens`, {
    method: 'POST',
    headers: { 'x-api-key': API_KEY, 'content-type': 'application/json' },
    body: JSON.stringify({ ttlSeconds: 600, ...(role ? { role } : {}) }),
  });
  assert.is(res.status, 201);
  const body = (await res.json()) as { token: string; expiresAt: string };
  assert.match(body.token, /^mpcjoin_[A-Za-z0-9_-]{43}$/);
  return body.token;
}

async function rejects(f: () => Promise<unknown>, re?: RegExp): Promise<void> {
  const outcome = await f().then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(outcome instanceof Error, 'expected a rejection');
  if (re) assert.match(outcome.message, re, outcome.message);
}

const api = restClient(() => coordinator.apiUrl, API_KEY);

const listed = (peerId: string) => listedParty(coordinator.apiUrl, API_KEY, peerId);

test.before(async () => {
  coordinator = await startTestCoordinator(API_KEY, []);
});

test.after(async () => {
  await coordinator.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('a peer id the coordinator does not list cannot register', async () => {
  const p = await startParty(place, 'stranger');
  try {
    assert.not.ok(p.node.registered);
    await rejects(() => p.node.register());
    assert.is(await listed(p.peerId), undefined);
  } finally {
    await stopParty(p);
  }
});

test('a join token admits one party, which stays admitted after a restart without the token', async () => {
  const token = await newToken();
  let p = await startParty(place, 'joiner', { joinToken: token });
  assert.ok(p.node.registered, 'registered with the token');
  assert.is((await listed(p.peerId))?.status, 'online');
  const peerId = p.peerId;
  await stopParty(p);
  p = await startParty(place, 'joiner');
  try {
    assert.is(p.peerId, peerId);
    assert.ok(p.node.registered, 'still admitted without the token');
  } finally {
    await stopParty(p);
  }
});

test('a used join token admits nobody else', async () => {
  const token = await newToken();
  const first = await startParty(place, 'first', { joinToken: token });
  // another token keeps the door open, so the second party reaches the coordinator and hears why it is refused
  await newToken();
  const second = await startParty(place, 'second', { joinToken: token });
  try {
    assert.ok(first.node.registered);
    assert.not.ok(second.node.registered);
    await rejects(() => second.node.register(), /BAD_TOKEN/);
    assert.is(await listed(second.peerId), undefined);
  } finally {
    await stopParty(first);
    await stopParty(second);
  }
});

test('an expired join token admits nobody', async () => {
  const { token } = await coordinator.orchestrator.createJoinToken(1);
  await new Promise((r) => setTimeout(r, 1_200));
  const p = await startParty(place, 'late', { joinToken: token });
  try {
    assert.not.ok(p.node.registered);
    await rejects(() => p.node.register(), /BAD_TOKEN/);
  } finally {
    await stopParty(p);
  }
});

test('an external party joining by token is ready once listed online: a keygen and a signing with it at once', async () => {
  // two persistent parties (admitted by token as well), then the external one, which the others reach only
  // through the coordinator's relay
  const keepers = [
    await startParty(place, 'keeper-1', { joinToken: await newToken() }),
    await startParty(place, 'keeper-2', { joinToken: await newToken() }),
  ];
  // its identity first, so that its peer id is known while it starts
  const peerId = await partyPeerId(place, 'outsider');
  const lines: { level: string; msg: string; fields: object }[] = [];
  const record = (level: string) => (fields: object, msg: string) => void lines.push({ level, msg, fields });
  const log: Log = { info: record('info'), warn: record('warn'), error: record('error') };
  const starting = startParty(place, 'outsider', { joinToken: await newToken('external'), role: 'external', log });
  try {
    const t0 = Date.now();
    let view = await listed(peerId);
    while (view?.status !== 'online') {
      assert.ok(Date.now() - t0 < 30_000, 'the external party is listed online within 30 s');
      await new Promise((r) => setTimeout(r, 10));
      view = await listed(peerId);
    }
    // listed in its final state: reachable through its relay slot
    assert.ok(
      view.addresses.length > 0 && view.addresses.every((a) => a.includes('/p2p-circuit')),
      `listed with ${view.addresses.join(' ') || 'no address'}`,
    );
    // at once: an account whose key and every signing include the external party
    const created = await api('POST', '/api/v1/accounts', {
      userId: 'outsider-at-once',
      include: [peerId],
      requireParties: [peerId],
    });
    assert.is(created.status, 201, JSON.stringify(created.body));
    assert.ok(
      created.body.parties.some(
        (p: { partyId: string; role: string }) => p.partyId === peerId && p.role === 'external',
      ),
    );
    const messageHash = `0x${'5e'.repeat(32)}`;
    const signed = await api('POST', `/api/v1/accounts/${created.body.accountId}/sign`, { messageHash });
    assert.is(signed.status, 200, JSON.stringify(signed.body));
    assert.is(recoverAddress(messageHash, signed.body.signatureHex), created.body.address);
    // it never had to reconnect, and said once that it joined
    assert.equal(
      lines.filter((l) => l.level !== 'info').map((l) => l.msg),
      [],
    );
    assert.is(lines.filter((l) => l.msg.startsWith('joined the network')).length, 1);
  } finally {
    await starting.then(stopParty, () => {});
    for (const k of keepers) await stopParty(k);
  }
});

test('mpc coordinator join-token prints a token from the REST API, and explains a missing API key', async () => {
  // spawned, not spawnSync: the coordinator answering it runs in this process
  const ok = mpc(['coordinator', 'join-token', '--api-url', coordinator.apiUrl, '--ttl', '120'], {
    ...process.env,
    MPC_API_KEY: API_KEY,
  });
  assert.is(await ok.exited, 0, ok.out);
  assert.match(ok.out, /^mpcjoin_[A-Za-z0-9_-]{43}$/m);
  const env = { ...process.env };
  delete env.MPC_API_KEY;
  const missing = mpc(['coordinator', 'join-token', '--api-url', coordinator.apiUrl], env);
  assert.is(await missing.exited, 3, 'a missing key is a configuration error');
  assert.match(missing.out, /^mpc: set MPC_API_KEY \(or MPC_API_KEY_FILE\) to one of the coordinator API keys\n$/);
});

test.run();
