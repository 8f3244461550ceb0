/**
 * Admission to the coordinator's p2p network by one-time join token, on a real coordinator (in process, its
 * database PGlite or DATABASE_URL) and real party nodes: an unknown peer is refused; a token from the REST API
 * (or `mpc coordinator join-token`) admits exactly one peer, once; the admission survives the party's restart
 * without the token; a used or expired token admits nobody.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { RunningCoordinator } from '../../coordinator/server.js';
import { createIdentity, loadIdentity } from '../../src/party/identity.js';
import { PartyNode } from '../../src/party/node.js';
import { MasterKey } from '../../src/runtime/master-key.js';
import { ShareStore } from '../../src/store/share-store.js';
import { startTestCoordinator } from '../helpers/coordinator.js';
import { mpc } from '../helpers/processes.js';

const MASTER = 'cd'.repeat(32);
const API_KEY = 'join-test-api-key-0123456789';
const dir = mkdtempSync(join(tmpdir(), 'mpc-join-'));
let coordinator: RunningCoordinator;

interface Party {
  store: ShareStore;
  node: PartyNode;
  peerId: string;
}

async function startParty(name: string, joinToken?: string): Promise<Party> {
  const store = await ShareStore.open(join(dir, name), MasterKey.fromHex(MASTER, 'test'));
  const { key, peerId } = (await store.getIdentity()) ? await loadIdentity(store) : await createIdentity(store);
  const node = await PartyNode.start({
    store,
    identity: key,
    coordinator: coordinator.multiaddrs[0] as string,
    version: '0.1.0',
    ...(joinToken ? { joinToken } : {}),
  });
  return { store, node, peerId };
}

async function stopParty(p: Party): Promise<void> {
  await p.node.stop();
  await p.store.close();
}

async function newToken(): Promise<string> {
  const res = await fetch(`${coordinator.apiUrl}/api/v1/join-tokens`, {
    method: 'POST',
    headers: { 'x-api-key': API_KEY, 'content-type': 'application/json' },
    body: JSON.stringify({ ttlSeconds: 600 }),
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

async function listed(peerId: string): Promise<{ status: string } | undefined> {
  const res = await fetch(`${coordinator.apiUrl}/api/v1/parties`, { headers: { 'x-api-key': API_KEY } });
  const body = (await res.json()) as { parties: { partyId: string; status: string }[] };
  return body.parties.find((p) => p.partyId === peerId);
}

test.before(async () => {
  coordinator = await startTestCoordinator(API_KEY, []);
});

test.after(async () => {
  await coordinator.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('a peer id the coordinator does not list cannot register', async () => {
  const p = await startParty('stranger');
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
  let p = await startParty('joiner', token);
  assert.ok(p.node.registered, 'registered with the token');
  assert.is((await listed(p.peerId))?.status, 'online');
  const peerId = p.peerId;
  await stopParty(p);
  p = await startParty('joiner');
  try {
    assert.is(p.peerId, peerId);
    assert.ok(p.node.registered, 'still admitted without the token');
  } finally {
    await stopParty(p);
  }
});

test('a used join token admits nobody else', async () => {
  const token = await newToken();
  const first = await startParty('first', token);
  // another token keeps the door open, so the second party reaches the coordinator and hears why it is refused
  await newToken();
  const second = await startParty('second', token);
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
  const p = await startParty('late', token);
  try {
    assert.not.ok(p.node.registered);
    await rejects(() => p.node.register(), /BAD_TOKEN/);
  } finally {
    await stopParty(p);
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
