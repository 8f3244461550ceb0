/**
 * A failed protocol check reaches the REST client as 502 SIGNING_FAILED naming the culprit, is recorded on the
 * session with its culprit, and is NOT retried (no second session), on a real coordinator and real party nodes
 * over libp2p, one of which tampers with its signing messages. The victim's ban reaches the coordinator, which
 * then never chooses the banned pair (issue 10, item 1).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { TamperOutbound } from '../../src/session/runner.js';
import { type PartyNetwork, startPartyNetwork, stopParty } from '../helpers/party-nodes.js';

const dir = mkdtempSync(join(tmpdir(), 'mpc-culprit-'));
let net: PartyNetwork;
const api: PartyNetwork['api'] = (...args) => net.api(...args);
let accountId = '';
let keyParties: { partyId: string; index: number }[] = [];
/** The peer id whose node flips a byte of every signing message it sends from round 2 on (when set). */
let tamperer: string | undefined;

test.before(async () => {
  net = await startPartyNetwork({
    dir,
    master: 'ef'.repeat(32),
    apiKey: 'culprit-test-api-key-0123456789',
    parties: 3,
    coordinator: { signTimeoutMs: 20_000 },
    node: (_, peerId) => {
      const tamperOutbound: TamperOutbound = (frame) => {
        if (tamperer !== peerId || frame.round < 2 || frame.payload.length === 0) return undefined;
        const payload = frame.payload.slice();
        payload[payload.length - 1] = (payload[payload.length - 1] as number) ^ 1;
        return { ...frame, payload };
      };
      return { tamperOutbound };
    },
  });
});

test.after(async () => {
  await net?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('a tampering signer is named as culprit, the failure is recorded, and there is no retry', async () => {
  const created = await api('POST', '/api/v1/accounts', { userId: 'carol' });
  assert.is(created.status, 201, JSON.stringify(created.body));
  accountId = created.body.accountId as string;
  keyParties = created.body.parties;
  const honest = await api('POST', `/api/v1/accounts/${accountId}/sign`, { messageHash: `0x${'01'.repeat(32)}` });
  assert.is(honest.status, 200, 'signs while nobody tampers');
  tamperer = (created.body.parties as { partyId: string; index: number }[]).find((p) => p.index === 1)?.partyId;
  assert.ok(tamperer);
  // signer sets are chosen at random (load spreads): sign until a set includes the tamperer
  let res = await api('POST', `/api/v1/accounts/${accountId}/sign`, { messageHash: `0x${'02'.repeat(32)}` });
  for (let k = 0; k < 30 && res.status === 200; k++) {
    res = await api('POST', `/api/v1/accounts/${accountId}/sign`, { messageHash: `0x${'02'.repeat(32)}` });
  }
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

/** The peer that banned the tamperer in the first test (its partner in the failed session). */
async function victimOfFirstBan(): Promise<string> {
  const listed = (await api('GET', '/api/v1/parties')).body.parties as { partyId: string; bans: string[] }[];
  const victims = listed.filter((p) => p.bans.length > 0);
  assert.is(victims.length, 1, JSON.stringify(listed));
  return (victims[0] as { partyId: string }).partyId;
}

test('the ban reaches the coordinator: parties list it, /health is degraded naming the pair, the metric counts it, and signing avoids the pair', async () => {
  // the victim reports its ban on its own (status report after the ban)
  const deadline = Date.now() + 10_000;
  let listed: { partyId: string; bans: string[] }[] = [];
  for (;;) {
    listed = (await api('GET', '/api/v1/parties')).body.parties;
    if (listed.some((p) => p.bans.length > 0)) break;
    assert.ok(Date.now() < deadline, 'no ban reached the coordinator');
    await new Promise((r) => setTimeout(r, 100));
  }
  const victim = await victimOfFirstBan();
  assert.equal(listed.find((p) => p.partyId === victim)?.bans, [tamperer]);
  const pair = [victim, tamperer as string].sort();
  const health = await fetch(`${net.coordinator.apiUrl}/health`);
  assert.is(health.status, 200);
  const h = await health.json();
  assert.is(h.status, 'degraded');
  assert.equal(h.bannedPairs, [pair]);
  const metrics = await (await fetch(`${net.coordinator.apiUrl}/metrics`)).text();
  assert.match(metrics, /^coordinator_banned_pairs 1$/m);
  // every signing now succeeds with a set without the pair (before, a set with it failed at once)
  tamperer = undefined;
  const sets = new Set<string>();
  for (let k = 0; k < 12; k++) {
    const res = await api('POST', `/api/v1/accounts/${accountId}/sign`, {
      messageHash: `0x${(k + 16).toString(16).padStart(2, '0').repeat(32)}`,
    });
    assert.is(res.status, 200, JSON.stringify(res.body));
    const session = await api('GET', `/api/v1/sessions/${res.body.sessionId}`);
    const ids = (session.body.parties as { partyId: string }[]).map((p) => p.partyId).sort();
    assert.not.equal(ids, pair, 'a banned pair signed together');
    sets.add(ids.join());
  }
  assert.is(sets.size, 2, 'both remaining signer sets are used (load spreads)');
});

test('signers at positions other than their key-share index: the culprit is named by its key-share index and reaches the client as the right party', async () => {
  // the tamperer is key index 3 and signs with a party it has not banned, at position 2 of the set, so a
  // position among the signers (2) and the key-share index (3) differ: the name must survive record, session,
  // result and verdict unchanged. The party left out is the one that would form a banned pair with another.
  const first = keyParties.find((k) => k.index === 1)?.partyId as string;
  const victim = await victimOfFirstBan();
  const third = keyParties.find((k) => k.index === 3)?.partyId as string;
  // banned {1, 2}: sign with 1 and 3 (stop 2); banned {1, 3}: sign with 2 and 3 (stop 1)
  const stop = victim === third ? first : victim;
  const second = net.parties.find((p) => p.peerId === stop);
  assert.ok(second);
  await stopParty(second);
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
    keyParties.filter((k) => k.partyId !== stop).map((k) => [k.partyId, k.index]),
    'the session lists the signers with their key-share indices',
  );
});

test.run();
