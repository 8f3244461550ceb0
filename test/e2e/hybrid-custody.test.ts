/**
 * Hybrid custody through the REST API of a dev network (a coordinator in this process, three persistent party
 * processes and one delegate node process): the delegate's share comes back to the caller sealed (the user
 * share) and nowhere else; signing with it (any delegate node of the pool opens it, even one started on an
 * empty data directory), without it where the persistent parties reach the threshold, and never without it
 * where they do not or the account requires it; a tampered, truncated or foreign share is the caller's error
 * (400 INVALID_USER_SHARE) and costs nothing; the snake_case aliases of the system this replaces.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recoverAddress } from 'ethers';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_READY_TIMEOUT_MS, type DevNetwork, startDevNetwork } from '../../cli/dev-network.js';
import type { Repositories } from '../../coordinator/db/types.js';
import { bigIntToBytes } from '../../protocols/common/bytes.js';
import { MasterKey } from '../../src/runtime/master-key.js';
import { UserShareSealer } from '../../src/store/user-share.js';
import { type CliProcess, mpc, stop } from '../helpers/processes.js';

const env = { ...process.env };
delete env.MPC_API_KEY;
delete env.CRYPTO_MASTER_KEY;
delete env.DATABASE_URL;

const dir = mkdtempSync(join(tmpdir(), 'mpc-hybrid-'));
let net: DevNetwork;
const extra: CliProcess[] = [];

interface Account {
  accountId: string;
  userId: string;
  address: string;
  publicKey: string;
  threshold: number;
  custody: string;
  requireUserShare: boolean;
  parties: { partyId: string; index: number; role: string }[];
  userShare?: string;
}

interface ApiError {
  error: { code: string; message: string };
}

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  let res: Response;
  try {
    res = await fetch(`${net.apiUrl}${path}`, {
      method,
      headers: { 'x-api-key': net.apiKey, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (e) {
    // fetch says only "fetch failed": the reason (a reset, a refused connection) is in its cause
    throw new Error(`${method} ${path}: ${(e as Error).message}: ${String((e as Error).cause)}`, { cause: e });
  }
  return { status: res.status, json: await res.json() };
}

async function create(body: Record<string, unknown>): Promise<Account> {
  const r = await call('POST', '/api/v1/accounts', body);
  assert.is(r.status, 201, JSON.stringify(r.json));
  return r.json as Account;
}

const hashOf = (k: number) => `0x${k.toString(16).padStart(2, '0').repeat(32)}`;

/** Signs and checks the signature recovers the account's address (ethers). */
async function signs(account: Account, body: Record<string, unknown>, k: number): Promise<void> {
  const messageHash = hashOf(k);
  const r = await call('POST', `/api/v1/accounts/${account.accountId}/sign`, { messageHash, ...body });
  assert.is(r.status, 200, JSON.stringify(r.json));
  const { signatureHex } = r.json as { signatureHex: string };
  assert.is(recoverAddress(messageHash, signatureHex), account.address);
}

async function refused(account: Account, body: Record<string, unknown>, code: string, field: string): Promise<void> {
  const r = await call('POST', `/api/v1/accounts/${account.accountId}/sign`, { messageHash: hashOf(0x77), ...body });
  assert.is(r.status, 400, JSON.stringify(r.json));
  const { error } = r.json as ApiError;
  assert.is(error.code, code);
  assert.ok(error.message.startsWith(`${field}:`), error.message);
}

/** Every regular file under `d`, recursively. */
function files(d: string): string[] {
  return readdirSync(d, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(d, e.name)) : e.isFile() ? [join(d, e.name)] : [],
  );
}

test.before(async () => {
  try {
    net = await startDevNetwork({ dir, port: 0, parties: 3, delegates: 1, env });
  } catch (e) {
    // uvu does not report a failed hook: say why here
    console.error('the dev network did not start:', e);
    throw e;
  }
});

test.after(async () => {
  for (const p of extra) await stop(p);
  await net?.stop().catch(() => {});
  rmSync(dir, { recursive: true, force: true });
});

let hybrid: Account;

test('hybrid keygen: the user share comes back once, the delegate keeps nothing about the key', async () => {
  hybrid = await create({ userId: 'alice', custody: 'hybrid' });
  assert.is(hybrid.custody, 'hybrid');
  assert.type(hybrid.userShare, 'string');
  const delegates = hybrid.parties.filter((p) => p.role === 'delegate');
  assert.is(delegates.length, 1);
  assert.is(delegates[0]?.partyId, net.delegates[0]?.peerId);
  assert.is(hybrid.parties.filter((p) => p.role === 'persistent').length, 2);

  // GET never shows it
  const got = await call('GET', `/api/v1/accounts/${hybrid.accountId}`);
  assert.is(got.status, 200);
  assert.is((got.json as Account).custody, 'hybrid');
  assert.not.ok('userShare' in (got.json as object));

  // the share opens under the pool's master key, for this account only; its secret is in no file of the delegate
  const master = MasterKey.fromHex(readFileSync(join(dir, 'master.key'), 'utf8'), 'test');
  const sealer = new UserShareSealer(master);
  const blob = new Uint8Array(Buffer.from(hybrid.userShare as string, 'base64url'));
  // the key id is the coordinator's; no API shows it, so read it from the coordinator's account row
  const repos = (net.coordinator.orchestrator as unknown as { init: { repos: Repositories } }).init.repos;
  const row = await repos.accounts.get(hybrid.accountId);
  const share = sealer.open(blob, {
    accountId: hybrid.accountId,
    keyId: Buffer.from(row?.keyId ?? '', 'hex'),
    index: delegates[0]!.index,
    publicKey: Buffer.from(hybrid.publicKey.slice(2), 'hex'),
  });
  assert.is(share.index, delegates[0]!.index);
  const secret = bigIntToBytes(share.secretShare, 32);
  const needles = [secret, secret.subarray(0, 16), secret.subarray(16), share.keyId];
  for (const f of files(net.delegates[0]!.dataDir)) {
    const data = readFileSync(f);
    for (const n of needles) assert.is(data.indexOf(Buffer.from(n)), -1, `${f} holds a piece of the key`);
  }
});

test('signing with the user share (delegate + 1 persistent) and without it (2 persistent)', async () => {
  await signs(hybrid, { userShare: hybrid.userShare }, 1);
  await signs(hybrid, {}, 2);
});

test('a tampered, truncated or foreign user share is 400 INVALID_USER_SHARE and costs nothing', async () => {
  const other = await create({ userId: 'mallory', custody: 'hybrid' });
  const share = hybrid.userShare as string;
  const mid = Math.floor(share.length / 2);
  const flipped = `${share.slice(0, mid)}${share[mid] === 'A' ? 'B' : 'A'}${share.slice(mid + 1)}`;
  await refused(hybrid, { userShare: flipped }, 'INVALID_USER_SHARE', 'userShare');
  await refused(hybrid, { userShare: share.slice(0, share.length - 8) }, 'INVALID_USER_SHARE', 'userShare');
  await refused(hybrid, { userShare: other.userShare }, 'INVALID_USER_SHARE', 'userShare');
  // nobody was blamed or banned, no pair was spent: the right share signs at once, with the same delegate
  await signs(hybrid, { userShare: share }, 3);
  await signs(other, { userShare: other.userShare }, 4);
  const parties = await call('GET', '/api/v1/parties');
  const delegate = (parties.json as { parties: { partyId: string; status: string }[] }).parties.find(
    (p) => p.partyId === net.delegates[0]?.peerId,
  );
  assert.is(delegate?.status, 'online');
});

test('a user share for a server account is refused; so is an account asking for a user share it cannot need', async () => {
  const server = await create({ userId: 'carol' });
  assert.is(server.custody, 'server');
  assert.not.ok('userShare' in server);
  await refused(server, { userShare: hybrid.userShare }, 'INVALID_REQUEST', 'userShare');
  const r = await call('POST', '/api/v1/accounts', { userId: 'x', custody: 'hybrid', requireUserShare: true });
  assert.is(r.status, 400);
  assert.is((r.json as ApiError).error.code, 'INVALID_REQUEST');
  assert.match((r.json as ApiError).error.message, /^requireUserShare: the 2 persistent parties alone reach/);
  const s = await call('POST', '/api/v1/accounts', { userId: 'x', requireUserShare: true });
  assert.is(s.status, 400);
  assert.match((s.json as ApiError).error.message, /^requireUserShare: needs custody "hybrid"/);
});

test('3-of-3 hybrid with requireUserShare: signs with the user share (delegate + 2 persistent), never without', async () => {
  const strict = await create({ userId: 'dave', custody: 'hybrid', threshold: 3, parties: 3, requireUserShare: true });
  assert.is(strict.requireUserShare, true);
  assert.is(strict.threshold, 3);
  assert.is(strict.parties.filter((p) => p.role === 'persistent').length, 2);
  await signs(strict, { userShare: strict.userShare }, 5);
  await refused(strict, {}, 'USER_SHARE_REQUIRED', 'userShare');
  // a 3-of-3 hybrid without the rule needs the share all the same: its 2 persistent parties cannot sign alone
  const plain = await create({ userId: 'dave', custody: 'hybrid', threshold: 3, parties: 3 });
  assert.is(plain.requireUserShare, false);
  await refused(plain, {}, 'USER_SHARE_REQUIRED', 'userShare');
  await signs(plain, { userShare: plain.userShare }, 11);
});

test('snake_case aliases: user_id to create, message to sign, answered like camelCase', async () => {
  const a = await create({ user_id: 'erin' });
  assert.is(a.userId, 'erin');
  await signs(a, {}, 6); // messageHash
  const messageHash = hashOf(7);
  const r = await call('POST', `/api/v1/accounts/${a.accountId}/sign`, { message: messageHash });
  assert.is(r.status, 200, JSON.stringify(r.json));
  assert.is(recoverAddress(messageHash, (r.json as { signatureHex: string }).signatureHex), a.address);
  const both = await call('POST', '/api/v1/accounts', { user_id: 'erin', userId: 'erin' });
  assert.is(both.status, 400);
  assert.is((both.json as ApiError).error.code, 'INVALID_REQUEST');
  assert.match((both.json as ApiError).error.message, /^user_id: give userId or user_id, not both/);
});

test('include puts named parties in the key; requireParties and include put them in every signing', async () => {
  const p1 = net.parties[0]!.peerId;
  const a = await create({ userId: 'frank', include: [p1], requireParties: [p1] });
  assert.ok(a.parties.some((p) => p.partyId === p1 && p.role === 'persistent'));
  assert.equal((a as unknown as { requireParties: string[] }).requireParties, [p1]);
  for (const [k, body] of [
    [9, {}],
    [
      10,
      {
        include: a.parties
          .map((p) => p.partyId)
          .filter((id) => id !== p1)
          .slice(0, 1),
      },
    ],
  ] as const) {
    const messageHash = hashOf(k);
    const r = await call('POST', `/api/v1/accounts/${a.accountId}/sign`, { messageHash, ...body });
    assert.is(r.status, 200, JSON.stringify(r.json));
    const { sessionId, signatureHex } = r.json as { sessionId: string; signatureHex: string };
    assert.is(recoverAddress(messageHash, signatureHex), a.address);
    const session = (await call('GET', `/api/v1/sessions/${sessionId}`)).json as { parties: { partyId: string }[] };
    const signers = session.parties.map((p) => p.partyId);
    assert.ok(signers.includes(p1), 'the required party signed');
    for (const id of (body as { include?: string[] }).include ?? [])
      assert.ok(signers.includes(id), 'the included party signed');
  }
  // a party that holds no share of the account cannot be required
  const outsider = net.delegates[0]!.peerId;
  await refused(a, { include: [outsider] }, 'INVALID_REQUEST', 'include');
  // include of a party that is not online: 503 naming it
  const offline = await call('POST', '/api/v1/accounts', {
    userId: 'x',
    include: ['12D3KooWKVrHd3n7by4LVZy7TdfwoA1XBsPTty3eKU811NBH4i4P'],
  });
  assert.is(offline.status, 503);
  assert.match(
    (offline.json as ApiError).error.message,
    /^include: party 12D3KooWKVrHd3n7by4LVZy7TdfwoA1XBsPTty3eKU811NBH4i4P is not online/,
  );
  // a delegate node stores no share: it is in a key only with hybrid custody
  const noHybrid = await call('POST', '/api/v1/accounts', { userId: 'x', include: [outsider] });
  assert.is(noHybrid.status, 400);
  assert.match((noHybrid.json as ApiError).error.message, /^include: party .* is a delegate node/);
});

test('a delegate node started on an empty data directory with the same master key signs with the user share', async () => {
  const old = net.delegates[0]!;
  await old.process.stop('SIGTERM', 10_000);
  const freshDir = join(dir, 'delegate-fresh');
  const keyArgs = ['--master-key-file', join(dir, 'master.key')];
  // not mpcSync: a synchronous child would block this process, and with it the coordinator it hosts, for
  // seconds; the next request would then go out on a kept-alive connection whose server-side idle timer fires in
  // the same turn, and fetch fails ("other side closed")
  const init = mpc(['party', 'init', '--data-dir', freshDir, ...keyArgs], env);
  assert.is(await init.exited, 0, init.out);
  const token = await call('POST', '/api/v1/join-tokens', { role: 'delegate' });
  assert.is(token.status, 201);
  const fresh = mpc(
    [
      'party',
      'start',
      '--role',
      'delegate',
      '--data-dir',
      freshDir,
      '--coordinator',
      net.p2p,
      ...keyArgs,
      '--join-token',
      (token.json as { token: string }).token,
      '--log-level',
      'warn',
    ],
    env,
  );
  extra.push(fresh);
  // the same bound as every party start of the dev network (a loaded machine takes seconds to start tsx)
  const deadline = Date.now() + DEFAULT_READY_TIMEOUT_MS;
  for (;;) {
    const parties = (await call('GET', '/api/v1/parties')).json as {
      parties: { partyId: string; role: string; status: string }[];
    };
    if (parties.parties.some((p) => p.role === 'delegate' && p.status === 'online' && p.partyId !== old.peerId)) break;
    if (Date.now() > deadline) {
      throw new Error(`the fresh delegate did not register in ${DEFAULT_READY_TIMEOUT_MS} ms:\n${fresh.out}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  // the fresh node never met the persistent parties: the signing starts with their pair setups
  await signs(hybrid, { userShare: hybrid.userShare }, 8);
});

test.run();
