/**
 * Real party nodes for the coordinator's end-to-end tests, each with its encrypted store in a directory of its
 * own, registering with a real coordinator in the test process; and the small network most of those tests start
 * with (a coordinator admitting n parties, all online).
 */
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import type { CoordinatorConfig, RunningCoordinator } from '../../coordinator/server.js';
import type { PartyView } from '../../coordinator/service.js';
import { createIdentity, loadIdentity } from '../../src/party/identity.js';
import { PartyNode, type PartyNodeInit } from '../../src/party/node.js';
import { MasterKey } from '../../src/runtime/master-key.js';
import { ShareStore } from '../../src/store/share-store.js';
import { startTestCoordinator } from './coordinator.js';

/** A running party node and its open store. */
export interface TestParty {
  store: ShareStore;
  node: PartyNode;
  peerId: string;
  /** Set by a test that stopped it (so that the clean-up does not stop it again). */
  stopped?: boolean;
}

/** What a test may set of a node's options (the store, identity and coordinator come from the helper). */
export type TestNodeInit = Partial<Omit<PartyNodeInit, 'store' | 'identity' | 'coordinator'>>;

/** Where a test's parties live: their directory, the master key of their stores, the coordinator they dial. */
export interface PartyPlace {
  readonly dir: string;
  /** The master key of every store (hex). */
  readonly master: string;
  /** The coordinator's multiaddr now (a test may restart its coordinator). */
  readonly coordinator: () => string;
}

function openStore(place: PartyPlace, name: string): Promise<ShareStore> {
  return ShareStore.open(join(place.dir, name), MasterKey.fromHex(place.master, 'test'));
}

/** The peer id of the party `name`, its identity made now if its store has none yet. */
export async function partyPeerId(place: PartyPlace, name: string): Promise<string> {
  const store = await openStore(place, name);
  try {
    return (await store.getIdentity()) ? (await loadIdentity(store)).peerId : (await createIdentity(store)).peerId;
  } finally {
    await store.close();
  }
}

/**
 * Opens the store of the party `name` (its identity made on first use) and starts its node; resolves after its
 * first registration attempt, accepted or not (see {@link PartyNode.start}).
 */
export async function startParty(place: PartyPlace, name: string, init: TestNodeInit = {}): Promise<TestParty> {
  const store = await openStore(place, name);
  const { key, peerId } = (await store.getIdentity()) ? await loadIdentity(store) : await createIdentity(store);
  const node = await PartyNode.start({
    version: '0.1.0',
    ...init,
    store,
    identity: key,
    coordinator: place.coordinator(),
  });
  return { store, node, peerId };
}

/** Stops the node and closes its store. */
export async function stopParty(p: TestParty): Promise<void> {
  p.stopped = true;
  await p.node.stop();
  await p.store.close();
}

/** Runs `f` with the party `name` started, and stops it after, whatever `f` did. */
export async function withParty(
  place: PartyPlace,
  name: string,
  init: TestNodeInit,
  f: (p: TestParty) => Promise<void>,
): Promise<void> {
  const p = await startParty(place, name, init);
  try {
    await f(p);
  } finally {
    await stopParty(p);
  }
}

/** An answer of the REST API, its body read loosely. */
export interface ApiAnswer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: JSON bodies of the API under test are read loosely
  body: any;
}

/** Calls the REST API of the coordinator at `apiUrl()` with `apiKey`. */
export function restClient(apiUrl: () => string, apiKey: string) {
  return async (method: string, path: string, body?: unknown): Promise<ApiAnswer> => {
    const res = await fetch(`${apiUrl()}${path}`, {
      method,
      headers: { 'x-api-key': apiKey, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: await res.json() };
  };
}

/** The refusal message of an explicit registration attempt (the node's own retries run in the background). */
export async function registrationRefusal(p: TestParty): Promise<string> {
  const outcome = await p.node.register().then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(outcome instanceof Error, 'expected the registration to be refused');
  return outcome.message;
}

/** How `GET /api/v1/parties` of the coordinator at `apiUrl` lists `peerId`, or undefined when it does not. */
export async function listedParty(apiUrl: string, apiKey: string, peerId: string): Promise<PartyView | undefined> {
  const res = await fetch(`${apiUrl}/api/v1/parties`, { headers: { 'x-api-key': apiKey } });
  const body = (await res.json()) as { parties: PartyView[] };
  return body.parties.find((p) => p.partyId === peerId);
}

/** Options of {@link startPartyNetwork}. */
export interface PartyNetworkInit {
  readonly dir: string;
  readonly master: string;
  readonly apiKey: string;
  /** How many parties (`p1`, `p2`, …), all admitted by the coordinator's configuration. */
  readonly parties: number;
  /** Coordinator settings besides the test defaults. */
  readonly coordinator?: Partial<CoordinatorConfig>;
  /** Called with every party's store and peer id before anything starts (to plant a ban, say). */
  readonly prepare?: (stores: { store: ShareStore; peerId: string }[]) => Promise<void>;
  /** Node options of party `k` (0-based). */
  readonly node?: (k: number, peerId: string) => TestNodeInit;
}

/** A coordinator and its parties, all online. */
export interface PartyNetwork {
  readonly coordinator: RunningCoordinator;
  readonly parties: TestParty[];
  readonly api: ReturnType<typeof restClient>;
  /** Stops the parties not stopped yet, then the coordinator. */
  stop(): Promise<void>;
}

/** Starts a coordinator admitting `parties` new parties, starts them, and resolves once all are listed online. */
export async function startPartyNetwork(init: PartyNetworkInit): Promise<PartyNetwork> {
  const made: { store: ShareStore; key: Awaited<ReturnType<typeof createIdentity>> }[] = [];
  for (let k = 1; k <= init.parties; k++) {
    const store = await ShareStore.open(join(init.dir, `p${k}`), MasterKey.fromHex(init.master, 'test'));
    made.push({ store, key: await createIdentity(store) });
  }
  await init.prepare?.(made.map((m) => ({ store: m.store, peerId: m.key.peerId })));
  const peerIds = made.map((m) => m.key.peerId);
  const coordinator = await startTestCoordinator(init.apiKey, peerIds, init.coordinator ?? {});
  const parties: TestParty[] = [];
  for (const [k, { store, key }] of made.entries()) {
    const node = await PartyNode.start({
      version: '0.1.0',
      roundTimeoutMs: 5_000,
      ...init.node?.(k, key.peerId),
      store,
      identity: key.key,
      coordinator: coordinator.multiaddrs[0] as string,
    });
    parties.push({ store, node, peerId: key.peerId });
  }
  const api = restClient(() => coordinator.apiUrl, init.apiKey);
  const net: PartyNetwork = {
    coordinator,
    parties,
    api,
    async stop() {
      for (const p of parties.filter((x) => !x.stopped)) await stopParty(p);
      await coordinator.stop();
    },
  };
  const deadline = Date.now() + 10_000;
  for (;;) {
    const listed = (await api('GET', '/api/v1/parties')).body.parties as { partyId: string; status: string }[];
    if (peerIds.every((id) => listed.some((p) => p.partyId === id && p.status === 'online'))) return net;
    if (Date.now() > deadline) {
      await net.stop();
      throw new Error(`the ${init.parties} parties did not all come online within 10 s`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
