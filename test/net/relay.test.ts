/**
 * An external party reached only through the coordinator's circuit relay, in one process on loopback (direct
 * paths exist here; the party simply advertises none, so every peer reaches it through the relay): the external party
 * advertises nothing but its relayed address; a 2-of-3 keygen with two persistent parties and its signings (pair
 * setup included) run over relayed connections, noise end to end; the bytes each step moves through the relay are
 * measured (and must fit the relay's per-connection budget); the relay refuses a slot, and a relayed
 * connection, to a peer that was never admitted; and a guest's request for a slot, sent as it connects, is
 * granted on that same connection once the guest redeems a join token.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair } from '@libp2p/crypto/keys';
import type { Connection } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { multiaddr } from '@multiformats/multiaddr';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Rendezvous } from '../../coordinator/p2p/rendezvous.js';
import { bigIntToBytes } from '../../protocols/common/bytes.js';
import { decodeAck } from '../../protocols/control/ack.js';
import { encodeJoin, type SessionResult } from '../../protocols/control/control.js';
import type { SessionRecord } from '../../protocols/control/record.js';
import { signedRecords } from '../../protocols/control/record.js';
import type { PartyRole } from '../../protocols/control/roles.js';
import { createIdentity } from '../../src/party/identity.js';
import { PartyNode } from '../../src/party/node.js';
import { controlRequest } from '../../src/runtime/control-transport.js';
import { createHost } from '../../src/runtime/host.js';
import { SILENT_LOG } from '../../src/runtime/logger.js';
import { MasterKey } from '../../src/runtime/master-key.js';
import { RELAY_CONNECTION_DATA_BYTES, RELAY_SESSION_BUDGET_BYTES } from '../../src/runtime/relay-limits.js';
import { ShareStore } from '../../src/store/share-store.js';
import { recordOf } from '../helpers/records.js';

async function until(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const MASTER = MasterKey.fromHex('5a'.repeat(32), 'test');

interface Net {
  rendezvous: Rendezvous;
  seed: Uint8Array;
  parties: { node: PartyNode; store: ShareStore; role: PartyRole }[];
  results: { from: string; result: SessionResult }[];
  stop(): Promise<void>;
}

/** The one join token the rendezvous of {@link network} accepts (as role external), when it lets guests in. */
const GOOD_TOKEN = 'mpcjoin_relay-test-token';

async function network(roles: PartyRole[], guests = false): Promise<Net> {
  const dirs = roles.map(() => mkdtempSync(join(tmpdir(), 'mpc-relay-')));
  const stores = await Promise.all(dirs.map((d) => ShareStore.open(d, MASTER)));
  const ids = [];
  for (const s of stores) ids.push(await createIdentity(s));
  const coordKey = await generateKeyPair('Ed25519');
  const results: Net['results'] = [];
  const rendezvous = await Rendezvous.start({
    privateKey: coordKey,
    listen: ['/ip4/127.0.0.1/tcp/0'],
    admitted: ids.map((i) => i.peerId),
    redeemToken: async (token) => (guests && token === GOOD_TOKEN ? 'external' : false),
    tokensOutstanding: () => guests,
    onPresence: () => {},
    onResult: (from, result) => {
      results.push({ from, result });
      return { ok: true };
    },
    log: SILENT_LOG,
  });
  const parties: Net['parties'] = [];
  for (const [k, store] of stores.entries()) {
    const role = roles[k] as PartyRole;
    const node = await PartyNode.start({
      store,
      identity: ids[k]!.key,
      coordinator: rendezvous.multiaddrs[0]!,
      version: '0.1.0',
      role,
      roundTimeoutMs: 10_000,
    });
    parties.push({ node, store, role });
  }
  await until(() => parties.every((p) => rendezvous.isOnline(p.node.peerId)), 'registrations');
  // an external party registers again once its relay slot exists, with only its relayed address
  await until(
    () =>
      parties.every(
        (p) =>
          p.role !== 'external' ||
          (rendezvous.get(p.node.peerId)?.addresses ?? []).some((a) => a.includes('/p2p-circuit')),
      ),
    'relayed addresses',
  );
  return {
    rendezvous,
    seed: coordKey.raw.subarray(0, 32),
    parties,
    results,
    async stop() {
      for (const p of parties) await p.node.stop().catch(() => {});
      for (const s of stores) await s.close().catch(() => {});
      await rendezvous.stop();
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    },
  };
}

/** Runs `record` (announced by the real rendezvous) and returns the results of all its parties. */
async function run(net: Net, record: SessionRecord): Promise<SessionResult[]> {
  const signed = signedRecords.sign(record, net.seed);
  const named = record.parties.map(
    (p) => net.parties.find((x) => x.node.host.peerId.toMultihash().bytes.every((b, i) => b === p.peerId[i]))!,
  );
  const acks = await Promise.all(named.map((p) => net.rendezvous.announce(p.node.peerId, signed)));
  assert.ok(
    acks.every((a) => a.ok),
    JSON.stringify(acks),
  );
  const mine = () => net.results.filter((r) => Buffer.from(r.result.sessionId).equals(record.sessionId));
  await until(() => mine().length === record.parties.length, `${record.kind} results`, 60_000);
  return mine().map((r) => r.result);
}

/** A record naming the parties `who` (party k holds key share k + 1) by their registered addresses. */
function record(net: Net, kind: 'keygen' | 'sign', who: number[], keyId: Uint8Array, hash?: Uint8Array): SessionRecord {
  const members = who.map((k) => {
    const p = net.parties[k]!;
    const addrs = (net.rendezvous.get(p.node.peerId)?.addresses ?? []).slice(0, 8);
    return { peerId: p.node.peerId, keyIndex: k + 1, role: p.role, addrs };
  });
  return recordOf(kind, members, keyId, hash ? { messageHash: hash } : {});
}

/** The open relayed connection between two nodes, seen from `from`. */
function relayed(from: PartyNode, to: PartyNode): Connection | undefined {
  return from.host
    .getConnections(to.host.peerId)
    .find((c) => c.status === 'open' && c.limits !== undefined && c.remoteAddr.toString().includes('/p2p-circuit'));
}

const left = (c: Connection | undefined) => Number(c?.limits?.bytes ?? 0n);

test('an external party behind the relay: keygen and signings run over relayed connections, within the budget', async () => {
  const net = await network(['persistent', 'persistent', 'external']);
  try {
    const [a, , e] = net.parties.map((p) => p.node) as [PartyNode, PartyNode, PartyNode];
    const eAddrs = net.rendezvous.get(e.peerId)?.addresses ?? [];
    assert.ok(
      eAddrs.length > 0 && eAddrs.every((x) => x.includes(`/p2p/${net.rendezvous.peerId}/p2p-circuit`)),
      eAddrs.join(' '),
    );
    assert.equal(net.rendezvous.relayedParties(), [e.peerId]);

    const keyId = new TextEncoder().encode('relay-key');
    const kg = await run(net, record(net, 'keygen', [0, 1, 2], keyId));
    assert.ok(
      kg.every((r) => r.status === 'ok'),
      JSON.stringify(kg.map((r) => r.error)),
    );
    const publicKey = kg[0]!.publicKey!;
    const conn = relayed(a, e);
    assert.ok(conn, 'party 1 reaches the external party over a relayed connection');
    const afterKeygen = left(conn);
    for (const p of net.parties) await p.store.commitShare(keyId);

    const hash = crypto.getRandomValues(new Uint8Array(32));
    const sign = async () => {
      const rs = await run(net, record(net, 'sign', [0, 2], keyId, hash));
      assert.ok(
        rs.every((r) => r.status === 'ok'),
        JSON.stringify(rs.map((r) => r.error)),
      );
      const { r, s } = rs[0]!.signature!;
      const sig = new Uint8Array([...bigIntToBytes(r, 32), ...bigIntToBytes(s, 32)]);
      assert.ok(secp256k1.verify(sig, hash, publicKey, { prehash: false }));
    };
    await sign(); // the first signing of the pair runs its pair setup through the relay
    const c1 = relayed(a, e);
    assert.is(c1?.id, conn.id, 'the same relayed connection carried the signing');
    const afterFirst = left(c1);
    await sign();
    const afterSecond = left(relayed(a, e));
    const keygenBytes = RELAY_CONNECTION_DATA_BYTES - afterKeygen;
    const pairAndSign = afterKeygen - afterFirst;
    const signOnly = afterFirst - afterSecond;
    console.log(
      `  relay bytes (party 1 ↔ external): keygen ${keygenBytes}, pair setup + signing ${pairAndSign}, signing ${signOnly}`,
    );
    assert.ok(signOnly > 0 && pairAndSign > signOnly);
    // the budget a connection must have left for a session covers the heaviest one twice
    assert.ok(
      2 * pairAndSign <= RELAY_SESSION_BUDGET_BYTES,
      `${pairAndSign} bytes vs budget ${RELAY_SESSION_BUDGET_BYTES}`,
    );
  } finally {
    await net.stop();
  }
});

test('the relay refuses a slot and a relayed connection to a peer that was never admitted', async () => {
  // a guest may connect while join tokens are outstanding (to redeem one), but it is not admitted
  const net = await network(['persistent', 'external'], true);
  const guest = await createHost({
    allowedPeers: () => true,
    listen: ['/ip4/127.0.0.1/tcp/0', '/p2p-circuit'],
    relayClient: true,
  });
  try {
    const [, e] = net.parties.map((p) => p.node) as [PartyNode, PartyNode];
    await guest.dial(multiaddr(net.rendezvous.multiaddrs[0]!));
    // it asked for a slot (it listens on /p2p-circuit) and was refused: no relayed address, no reservation
    await new Promise((r) => setTimeout(r, 1500));
    assert.ok(guest.getConnections(peerIdFromString(net.rendezvous.peerId)).length > 0, 'the guest is connected');
    assert.not.ok(guest.getMultiaddrs().some((a) => a.toString().includes('/p2p-circuit')));
    assert.not.ok(net.rendezvous.relayedParties().includes(guest.peerId.toString()));
    // nor may it be relayed to the external party, whose relayed address is public knowledge
    const eAddr = (net.rendezvous.get(e.peerId)?.addresses ?? []).find((a) => a.includes('/p2p-circuit'))!;
    const refused = await guest.dial(multiaddr(eAddr), { signal: AbortSignal.timeout(5_000) }).then(
      () => undefined,
      (err: Error) => err,
    );
    assert.ok(refused, 'the relayed dial was refused');
    assert.match(String(refused), /status 3|PERMISSION_DENIED|failed to connect via relay/i);
    assert.is(e.host.getConnections(guest.peerId).length, 0);
  } finally {
    await guest.stop();
    await net.stop();
  }
});

test('a guest asks for a slot as it connects, before its join: it gets the slot on that connection once it joins', async () => {
  const net = await network(['persistent'], true);
  const guest = await createHost({
    allowedPeers: () => true,
    listen: ['/ip4/127.0.0.1/tcp/0', '/p2p-circuit'],
    relayClient: true,
  });
  const coordinator = peerIdFromString(net.rendezvous.peerId);
  const hasSlot = () => guest.getMultiaddrs().some((a) => a.toString().includes('/p2p-circuit'));
  try {
    // its libp2p asks for the slot right after connecting (identify); the join comes a moment later
    await guest.dial(multiaddr(net.rendezvous.multiaddrs[0]!));
    const [first] = guest.getConnections(coordinator);
    await new Promise((r) => setTimeout(r, 300));
    assert.not.ok(hasSlot(), 'no slot before the join');
    const bad = decodeAck(await controlRequest(guest, coordinator, encodeJoin('mpcjoin_not-a-token')));
    assert.is(bad.ok, false);
    await new Promise((r) => setTimeout(r, 300));
    assert.not.ok(hasSlot(), 'no slot after a refused token');
    const joined = decodeAck(await controlRequest(guest, coordinator, encodeJoin(GOOD_TOKEN)));
    assert.ok(joined.ok, JSON.stringify(joined));
    await until(hasSlot, 'the relay slot', 4_000);
    assert.equal(net.rendezvous.relayedParties(), [guest.peerId.toString()]);
    const now = guest.getConnections(coordinator);
    assert.is(now.length, 1);
    assert.is(now[0]?.id, first?.id, 'on the connection it joined on: no reconnection');
  } finally {
    await guest.stop();
    await net.stop();
  }
});

test.run();
