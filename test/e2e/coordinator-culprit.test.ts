/**
 * A failed protocol check reaches the REST client as 502 SIGNING_FAILED naming the culprit, is recorded on the
 * session with its culprit, and is NOT retried (no second session), on a real coordinator and real party nodes
 * over libp2p, one of which tampers with its signing messages.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { RunningCoordinator } from '../../coordinator/server.js';
import { createIdentity } from '../../src/party/identity.js';
import { PartyNode } from '../../src/party/node.js';
import { MasterKey } from '../../src/runtime/master-key.js';
import type { TamperOutbound } from '../../src/session/runner.js';
import { ShareStore } from '../../src/store/share-store.js';
import { startTestCoordinator } from '../helpers/coordinator.js';

const API_KEY = 'culprit-test-api-key-0123456789';
const dir = mkdtempSync(join(tmpdir(), 'mpc-culprit-'));
let coordinator: RunningCoordinator;
const parties: { store: ShareStore; node: PartyNode; peerId: string; stopped?: boolean }[] = [];
let accountId = '';
let keyParties: { partyId: string; index: number }[] = [];
/** The peer id whose node flips a byte of every signing message it sends from round 2 on (when set). */
let tamperer: string | undefined;

async function api(method: string, path: string, body?: unknown) {
  const res = await fetch(`${coordinator.apiUrl}${path}`, {
    method,
    headers: { 'x-api-key': API_KEY, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  // biome-ignore lint/suspicious/noExplicitAny: JSON bodies of the API under test are read loosely
  return { status: res.status, body: (await res.json()) as any };
}

test.before(async () => {
  const stores: { store: ShareStore; key: Awaited<ReturnType<typeof createIdentity>> }[] = [];
  for (let i = 1; i <= 3; i++) {
    const store = await ShareStore.open(join(dir, `p${i}`), MasterKey.fromHex('ef'.repeat(32), 'test'));
    stores.push({ store, key: await createIdentity(store) });
  }
  coordinator = await startTestCoordinator(
    API_KEY,
    stores.map((s) => s.key.peerId),
    { signTimeoutMs: 20_000 },
  );
  for (const { store, key } of stores) {
    const tamper: TamperOutbound = (frame) => {
      if (tamperer !== key.peerId || frame.round < 2 || frame.payload.length === 0) return undefined;
      const payload = frame.payload.slice();
      payload[payload.length - 1] = (payload[payload.length - 1] as number) ^ 1;
      return { ...frame, payload };
    };
    const node = await PartyNode.start({
      store,
      identity: key.key,
      coordinator: coordinator.multiaddrs[0] as string,
      version: '0.1.0',
      roundTimeoutMs: 5_000,
      tamperOutbound: tamper,
    });
    parties.push({ store, node, peerId: key.peerId });
  }
});

test.after(async () => {
  for (const p of parties.filter((x) => !x.stopped)) {
    await p.node.stop();
    await p.store.close();
  }
  await coordinator.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('a tampering signer is named as culprit, the failure is recorded, and there is no retry', async () => {
  const created = await api('POST', '/api/v1/accounts', { userId: 'carol' });
  assert.is(created.status, 201, JSON.stringify(created.body));
  accountId = created.body.accountId as string;
  keyParties = created.body.parties;
  const honest = await api('POST', `/api/v1/accounts/${accountId}/sign`, { messageHash: `0x${'01'.repeat(32)}` });
  assert.is(honest.status, 200, 'signs while nobody tampers');
  // signers are persistent first, then by key index: key index 1 always signs
  tamperer = (created.body.parties as { partyId: string; index: number }[]).find((p) => p.index === 1)?.partyId;
  assert.ok(tamperer);
  const res = await api('POST', `/api/v1/accounts/${accountId}/sign`, { messageHash: `0x${'02'.repeat(32)}` });
  assert.is(res.status, 502, JSON.stringify(res.body));
  assert.is(res.body.error.code, 'SIGNING_FAILED');
  assert.equal(res.body.error.details.culprits, [tamperer]);
  assert.not.equal(res.body.error.details.reason, 'TIMEOUT');
  const session = await api('GET', `/api/v1/sessions/${res.body.error.details.sessionId}`);
  assert.is(session.body.status, 'failed');
  assert.equal(session.body.error.culprits, [tamperer]);
  const types = session.body.events.map((e: { type: string }) => e.type);
  assert.ok(types.includes('failure'));
  assert.not.ok(types.includes('retry'), 'a failed check is never retried');
  const created2 = session.body.events.find((e: { type: string }) => e.type === 'created');
  assert.is(created2.detail.attempt, 1);
});

test('signers 1 and 3: the culprit is named by its key-share index and reaches the client as the right party', async () => {
  // with key index 2 offline the signers are 1 and 3, so a position among the signers (2) and the key-share
  // index (3) of the tamperer differ: the name must survive record, session, result and verdict unchanged
  const second = parties.find((p) => p.peerId === keyParties.find((k) => k.index === 2)?.partyId);
  assert.ok(second);
  await second.node.stop();
  await second.store.close();
  second.stopped = true;
  const deadline = Date.now() + 10_000;
  while (
    (await api('GET', '/api/v1/parties')).body.parties.some((p: { partyId: string; status: string }) =>
      p.partyId === second.peerId ? p.status === 'online' : false,
    )
  ) {
    assert.ok(Date.now() < deadline, 'the coordinator never saw party 2 go offline');
    await new Promise((r) => setTimeout(r, 100));
  }
  tamperer = keyParties.find((k) => k.index === 3)?.partyId;
  const res = await api('POST', `/api/v1/accounts/${accountId}/sign`, { messageHash: `0x${'03'.repeat(32)}` });
  assert.is(res.status, 502, JSON.stringify(res.body));
  assert.equal(res.body.error.details.culprits, [tamperer]);
  const session = await api('GET', `/api/v1/sessions/${res.body.error.details.sessionId}`);
  const indices = (session.body.parties as { partyId: string; index: number }[]).map((p) => [p.partyId, p.index]);
  assert.equal(
    indices.sort((a, b) => (a[1] as number) - (b[1] as number)),
    keyParties.filter((k) => k.index !== 2).map((k) => [k.partyId, k.index]),
    'the session lists the signers with their key-share indices',
  );
});

test.run();
