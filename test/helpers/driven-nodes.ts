/**
 * Party nodes in this process driven by a {@link TestCoordinator} (net tests): encrypted stores in fresh
 * temporary directories, one node per store with a new identity, admitted and registered; `stop` undoes it all.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createIdentity } from '../../src/party/identity.js';
import { PartyNode } from '../../src/party/node.js';
import type { MasterKey } from '../../src/runtime/master-key.js';
import { ShareStore } from '../../src/store/share-store.js';
import { TestCoordinator } from './coordinator-driver.js';
import type { TestNodeInit } from './party-nodes.js';

/** The coordinator, the stores (and their directories) and, once started, the nodes. */
export interface DrivenNodes {
  readonly coord: TestCoordinator;
  readonly dirs: readonly string[];
  readonly stores: readonly ShareStore[];
  readonly nodes: PartyNode[];
  /** Starts one node per store (`init(k)` for the k-th, 0-based) and waits until every one has registered. */
  start(init?: (k: number) => TestNodeInit): Promise<void>;
  /** Stops the nodes, closes the stores, stops the coordinator and removes the directories; never throws. */
  stop(): Promise<void>;
}

/** `n` stores under `master` in directories named `prefix…`, and a test coordinator. */
export async function drivenNodes(n: number, prefix: string, master: MasterKey): Promise<DrivenNodes> {
  const coord = await TestCoordinator.start();
  const dirs = Array.from({ length: n }, () => mkdtempSync(join(tmpdir(), prefix)));
  const stores = await Promise.all(dirs.map((d) => ShareStore.open(d, master)));
  const nodes: PartyNode[] = [];
  return {
    coord,
    dirs,
    stores,
    nodes,
    async start(init = () => ({})) {
      for (const [k, store] of stores.entries()) {
        const { key, peerId } = await createIdentity(store);
        coord.allow(peerId);
        nodes.push(
          await PartyNode.start({ store, identity: key, coordinator: coord.multiaddr, version: '0.1.0', ...init(k) }),
        );
      }
      await coord.until(() => coord.registered.size === n, 10_000, 'registrations');
    },
    async stop() {
      for (const node of nodes) await node.stop().catch(() => {});
      for (const s of stores) await s.close().catch(() => {});
      await coord.stop().catch(() => {});
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    },
  };
}
