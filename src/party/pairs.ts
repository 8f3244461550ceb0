/**
 * The party node's pair states with its peers: pairing (session/pairing.ts) over the store, the guard that
 * burns a pair state on a failed OT-extension check, and the rule that a peer whose pair state is burnt may
 * not start a new pair setup — only an operator's `mpc party pair --peer` re-opens pairing, with a fresh Δ.
 */
import { peerIdFromString } from '@libp2p/peer-id';
import { multiaddr } from '@multiformats/multiaddr';
import { toHex } from '../../protocols/common/bytes.js';
import { isCodedError } from '../../protocols/common/errors.js';
import type { PairGuard } from '../../protocols/dkls23/pair-guard.js';
import type { PairState } from '../../protocols/dkls23/pair-state.js';
import type { Host } from '../runtime/host.js';
import type { Log } from '../runtime/logger.js';
import { nodeSuite } from '../runtime/suite.js';
import type { BanList } from '../session/bans.js';
import { Pairing } from '../session/pairing.js';
import type { ShareStore } from '../store/share-store.js';
import { peerIdOfBytes } from './peer-id.js';

/** Pause before an operator's pair setup that was lost in a crossing runs once more. */
const CROSSING_RETRY_MS = 250;

/** Pairing and the burn guard of one node. */
export class NodePairs {
  private constructor(
    readonly pairing: Pairing,
    readonly guard: PairGuard,
    /** Peers whose pair state is burnt: no pair setup with them until an operator asks for one. */
    private readonly burntPeers: Set<string>,
    private readonly host: Host,
    private readonly bans: BanList,
    private readonly log: Log,
  ) {}

  /** Loads the burnt flags and installs pairing on `host`. */
  static async start(
    host: Host,
    store: ShareStore,
    bans: BanList,
    log: Log,
    limits: { maxAgeMs?: number; now?: () => number } = {},
  ): Promise<NodePairs> {
    const burntPeers = new Set<string>();
    for (const state of await store.pairs.list()) {
      if (await store.pairs.isBurnt(state)) burntPeers.add(peerIdOfBytes(state.peerNodeId).toString());
    }
    const guard = await store.pairs.createGuard((state) => burntPeers.add(peerIdOfBytes(state.peerNodeId).toString()));
    const pairing = await Pairing.install(host, {
      store: {
        get: (peer) => store.pairs.get(peerIdFromString(peer).toMultihash().bytes),
        put: (_peer, state) => store.pairs.put(state, { replace: true }),
      },
      bans,
      suite: nodeSuite(),
      acceptSetup: (peer) => !burntPeers.has(peer),
      ...limits,
    });
    return new NodePairs(pairing, guard, burntPeers, host, bans, log);
  }

  /**
   * An operator's `mpc party pair`: forgets a burnt state's refusal (the operator's consent) and runs a fresh
   * pair setup with `peer` now (a fresh Δ). The peer's operator does the same on its side; when both ask at
   * once the setups meet in one. Resolves with the new pair-setup session id (hex).
   */
  async pairNow(peer: string, addrs: readonly string[] = [], signal?: AbortSignal): Promise<string> {
    const peerId = peerIdFromString(peer);
    if (this.bans.has(peer)) throw new Error(`peer ${peer} is banned; lift the ban first (mpc party unban)`);
    this.burntPeers.delete(peer);
    const mas = addrs.map((a) => multiaddr(a));
    if (mas.length > 0) await this.host.peerStore.merge(peerId, { multiaddrs: mas });
    const opts = { force: true, ...(mas.length ? { addrs: mas } : {}), ...(signal ? { signal } : {}) };
    let state: PairState;
    try {
      state = await this.pairing.ensure(peerId, opts);
    } catch (e) {
      // When both operators ask at once, the two setups can cross and one side's stream be reset: a transport
      // race, not a failed check. The operator asked for a fresh setup, so run one more; a failed protocol
      // check (PROTOCOL) is never retried.
      if (!isCodedError(e, 'NETWORK') || signal?.aborted) throw e;
      this.log.warn({ peer, error: e.message }, 'pair setup stream lost in a crossing; running it once more');
      await new Promise((r) => setTimeout(r, CROSSING_RETRY_MS));
      state = await this.pairing.ensure(peerId, opts);
    }
    return toHex(state.psid);
  }

  /** Fails pair setups in flight. */
  stop(): Promise<void> {
    return this.pairing.stop();
  }
}
