/**
 * End to end through the REST API against real processes, as `npm start` runs them: `mpc coordinator start`
 * (embedded PGlite, or the PostgreSQL of DATABASE_URL) and three `mpc party start` on 127.0.0.1 over TCP +
 * noise. A 2-of-3 account; ten signatures checked by noble and by ethers (an independent Ethereum library);
 * a silent party (SIGSTOP) makes the coordinator retry once without it; a killed party leaves two that still
 * sign; a restarted coordinator still knows the account; and the API's refusals (404, 400 naming the field,
 * 401, 403 by IP) and Idempotency-Key replays, on the real service.
 */
// biome-ignore-all lint/suspicious/noExplicitAny: JSON bodies of the API under test are read loosely
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { computeAddress, getAddress, recoverAddress } from 'ethers';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createIdentity } from '../../src/party/identity.js';
import { openPartyStore } from '../../src/party/open-store.js';
import { type CliProcess, freePort, mpc, stop } from '../helpers/processes.js';

const MASTER = 'ab'.repeat(32);
const API_KEY = `e2e-${randomBytes(16).toString('hex')}`;
const dir = mkdtempSync(join(tmpdir(), 'mpc-e2e-'));
const env = { ...process.env, CRYPTO_MASTER_KEY: MASTER, MPC_API_KEY: API_KEY };

let apiPort = 0;
let p2pPort = 0;
let api = '';
let coordinatorAddr = '';
let coordinator: CliProcess | undefined;
const parties: { dir: string; peerId: string; proc?: CliProcess }[] = [];
let account: Record<string, unknown> & { accountId: string; address: string; publicKey: string };

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${api}${path}`, {
    method,
    headers: {
      'x-api-key': API_KEY,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as any };
}

async function startCoordinator(): Promise<void> {
  coordinator = mpc(
    [
      'coordinator',
      'start',
      '--port',
      String(apiPort),
      '--listen',
      `/ip4/127.0.0.1/tcp/${p2pPort}`,
      '--data-dir',
      join(dir, 'coordinator'),
      '--allow-peer',
      ...parties.map((p) => p.peerId),
      '--allowed-ips',
      '127.0.0.1/32',
      '--sign-timeout',
      '20000',
      '--log-level',
      'warn',
    ],
    env,
  );
  api = (await coordinator.waitFor(/coordinator API: (\S+)/))[1] as string;
  coordinatorAddr = (await coordinator.waitFor(/coordinator p2p: (\S+)/))[1] as string;
}

async function onlineParties(): Promise<number> {
  const { body } = await call('GET', '/api/v1/parties');
  return (body.parties as { status: string }[]).filter((p) => p.status === 'online').length;
}

async function until(cond: () => Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function checkSignature(sig: any, hash: string): void {
  assert.match(sig.signatureHex, /^0x[0-9a-f]{130}$/);
  assert.ok(sig.signature.v === 27 || sig.signature.v === 28);
  assert.is(sig.signature.v, 27 + sig.signature.recoveryId);
  const r = BigInt(sig.signature.r);
  const s = BigInt(sig.signature.s);
  assert.ok(s <= secp256k1.Point.Fn.ORDER >> 1n, 'low s');
  const noble = new secp256k1.Signature(r, s).addRecoveryBit(sig.signature.recoveryId);
  const msg = Buffer.from(hash.slice(2), 'hex');
  assert.ok(
    secp256k1.verify(noble.toBytes('compact'), msg, Buffer.from(account.publicKey.slice(2), 'hex'), { prehash: false }),
  );
  assert.is(computeAddress(`0x${noble.recoverPublicKey(msg).toHex(false)}`), account.address, 'noble recovery');
  assert.is(recoverAddress(hash, sig.signatureHex), account.address, 'ethers recovers the account address');
}

async function sign(hash = `0x${randomBytes(32).toString('hex')}`, headers: Record<string, string> = {}) {
  const res = await call('POST', `/api/v1/accounts/${account.accountId}/sign`, { messageHash: hash }, headers);
  assert.is(res.status, 200, JSON.stringify(res.body));
  checkSignature(res.body, hash);
  return res.body;
}

test.before(async () => {
  apiPort = await freePort();
  p2pPort = await freePort();
  for (let i = 1; i <= 3; i++) {
    const pdir = join(dir, `party-${i}`);
    const { store } = await openPartyStore({ dataDir: pdir, env: { CRYPTO_MASTER_KEY: MASTER } });
    parties.push({ dir: pdir, peerId: (await createIdentity(store)).peerId });
    await store.close();
  }
  await startCoordinator();
  for (const p of parties) {
    p.proc = mpc(
      ['party', 'start', '--data-dir', p.dir, '--coordinator', coordinatorAddr, '--round-timeout', '3000'],
      env,
    );
  }
  await until(async () => (await onlineParties()) === 3, 'three parties online');
});

test.after(async () => {
  for (const p of parties) if (p.proc) await stop(p.proc, 'SIGKILL');
  if (coordinator) await stop(coordinator, 'SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

test('health is ok with the database and three parties online', async () => {
  const res = await fetch(`${api}/health`);
  const body = (await res.json()) as any;
  assert.is(res.status, 200);
  assert.is(body.status, 'ok');
  assert.is(body.onlineParties, 3);
});

test('creates a 2-of-3 account whose address is the EIP-55 address of its public key', async () => {
  const res = await call('POST', '/api/v1/accounts', { userId: 'alice' });
  assert.is(res.status, 201, JSON.stringify(res.body));
  account = res.body;
  assert.match(account.publicKey, /^0x0[23][0-9a-f]{64}$/);
  assert.is(account.address, getAddress(account.address));
  assert.is(computeAddress(account.publicKey), account.address);
  assert.is(res.body.threshold, 2);
  assert.equal(
    res.body.parties.map((p: any) => p.index),
    [1, 2, 3],
  );
  assert.equal(new Set(res.body.parties.map((p: any) => p.partyId)), new Set(parties.map((p) => p.peerId)));
  const got = await call('GET', `/api/v1/accounts/${account.accountId}`);
  assert.equal(got.body, account);
  const list = await call('GET', '/api/v1/accounts?userId=alice');
  assert.ok(list.body.accounts.some((a: any) => a.accountId === account.accountId));
});

test('ten signatures each recover the account address (noble and ethers)', async () => {
  for (let i = 0; i < 10; i++) await sign();
});

test('the signing session is on record with its events', async () => {
  const sig = await sign();
  const res = await call('GET', `/api/v1/sessions/${sig.sessionId}`);
  assert.is(res.status, 200);
  assert.is(res.body.kind, 'sign');
  assert.is(res.body.status, 'completed');
  const types = res.body.events.map((e: any) => e.type);
  for (const t of ['created', 'announced', 'party-joined', 'party-result', 'result']) assert.ok(types.includes(t), t);
});

test('a repeated Idempotency-Key returns the same signature without signing again', async () => {
  const hash = `0x${randomBytes(32).toString('hex')}`;
  const key = `idem-${randomBytes(8).toString('hex')}`;
  const a = await sign(hash, { 'idempotency-key': key });
  const b = await call(
    'POST',
    `/api/v1/accounts/${account.accountId}/sign`,
    { messageHash: hash },
    { 'idempotency-key': key },
  );
  assert.is(b.status, 200);
  assert.equal(b.body, a);
});

test('refusals: 404 unknown account, 400 naming the field, oversized body, 401 key, 403 IP', async () => {
  const unknown = await call('POST', `/api/v1/accounts/${'0'.repeat(8)}-0000-0000-0000-000000000000/sign`, {
    messageHash: `0x${'11'.repeat(32)}`,
  });
  assert.is(unknown.status, 404);
  assert.is(unknown.body.error.code, 'NOT_FOUND');
  const bad = await call('POST', `/api/v1/accounts/${account.accountId}/sign`, { messageHash: '0x1234' });
  assert.is(bad.status, 400);
  assert.is(bad.body.error.code, 'INVALID_REQUEST');
  assert.match(bad.body.error.message, /messageHash/);
  const wrongType = await call('POST', '/api/v1/accounts', { userId: 'bob', threshold: 'two' });
  assert.is(wrongType.status, 400);
  assert.match(wrongType.body.error.message, /threshold/);
  const big = await call('POST', '/api/v1/accounts', { userId: 'x'.repeat(100_000) });
  assert.is(big.status, 400);
  for (const headers of [{ 'x-api-key': 'wrong-key-wrong-key' }, { 'x-api-key': '' }]) {
    const res = await fetch(`${api}/api/v1/parties`, { headers });
    assert.is(res.status, 401);
    assert.is(((await res.json()) as any).error.code, 'UNAUTHORIZED');
  }
  // the coordinator allows 127.0.0.1/32 only; 127.0.0.2 is loopback too, but not allowed
  const status = await new Promise<number>((resolve, reject) => {
    const req = httpRequest(
      `${api}/api/v1/parties`,
      { localAddress: '127.0.0.2', headers: { 'x-api-key': API_KEY } },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    req.end();
  });
  assert.is(status, 403);
});

test('eight concurrent clients, six signatures each: every one succeeds and verifies', async () => {
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let i = 0; i < 6; i++) await sign();
    }),
  );
});

test('a silent party (stopped, still connected) is left out on the retry', async () => {
  const first = account.parties as { partyId: string; index: number }[];
  const silent = parties.find((p) => p.peerId === first.find((x) => x.index === 1)?.partyId);
  assert.ok(silent?.proc);
  silent.proc.child.kill('SIGSTOP');
  try {
    // signer sets are random (load spreads): sign until one picked the silent party first (each does with 2/3)
    let res: Awaited<ReturnType<typeof call>> | undefined;
    let created: any;
    for (let k = 0; k < 12 && created?.detail.attempt !== 2; k++) {
      const sig = await sign();
      res = await call('GET', `/api/v1/sessions/${sig.sessionId}`);
      created = res.body.events.find((e: any) => e.type === 'created');
      if (created.detail.attempt === 1) assert.not.ok(res.body.parties.some((p: any) => p.partyId === silent.peerId));
    }
    assert.ok(res);
    assert.is(created.detail.attempt, 2);
    assert.not.ok(res.body.parties.some((p: any) => p.partyId === silent.peerId));
    const previous = await call('GET', `/api/v1/sessions/${created.detail.retryOf}`);
    assert.is(previous.body.status, 'failed');
    assert.is(previous.body.error.code, 'TIMEOUT');
    assert.ok(previous.body.error.culprits.includes(silent.peerId));
  } finally {
    silent.proc.child.kill('SIGCONT');
  }
});

test('with one party killed, the other two still sign', async () => {
  const victim = parties[0];
  assert.ok(victim?.proc);
  await stop(victim.proc, 'SIGKILL');
  await until(async () => (await onlineParties()) === 2, 'the killed party to go offline', 30_000);
  await sign();
  const health = await fetch(`${api}/health`);
  assert.is(health.status, 503, 'below the keygen quorum');
  victim.proc = mpc(
    ['party', 'start', '--data-dir', victim.dir, '--coordinator', coordinatorAddr, '--round-timeout', '3000'],
    env,
  );
  await until(async () => (await onlineParties()) === 3, 'the party back online');
});

test('after a coordinator restart the account is still there and signs', async () => {
  assert.ok(coordinator);
  assert.is(await stop(coordinator, 'SIGTERM'), 0, 'clean stop on SIGTERM');
  await startCoordinator();
  const got = await call('GET', `/api/v1/accounts/${account.accountId}`);
  assert.is(got.status, 200);
  assert.is(got.body.address, account.address);
  await until(async () => (await onlineParties()) >= 2, 'parties to reconnect', 60_000);
  await sign();
});

test.run();
