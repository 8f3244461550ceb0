/**
 * `sign-net`: 2-of-3 signing over real libp2p (TCP + noise + yamux) on loopback, three hosts in this process,
 * driven by the party node's session runner; pair states from the committed fixture, so only the signing is
 * timed. The streams are opened per session, as in production. `sign-relay` (sign-relay.ts) runs the same
 * signing with signer 2 reachable only through a circuit relay.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import type { KeyShare } from '../protocols/dkls23/key-share.js';
import { PairGuard } from '../protocols/dkls23/pair-guard.js';
import { createSign, type Signature } from '../protocols/dkls23/sign.js';
import { createHost, type Host, type HostMultiaddr } from '../src/runtime/host.js';
import { nodeSuite } from '../src/runtime/suite.js';
import { FRAME_HEADER_BYTES } from '../src/session/frames.js';
import { runSession, SessionRegistry } from '../src/session/runner.js';
import { pairsOf } from '../test/helpers/fixture.js';
import { keygen } from '../test/helpers/parties.js';

/** A running signing cluster: `sign()` runs one signing by parties 1 and 2 and returns the bytes sent. */
export interface SignCluster {
  sign: (label: string) => Promise<number>;
  stop: () => Promise<void>;
}

/** Three started hosts with their registries and a key; see {@link SignCluster}. */
export async function signNetCluster(): Promise<SignCluster> {
  const allowed = new Set<string>();
  const hosts: Host[] = await Promise.all([1, 2, 3].map(() => createHost({ allowedPeers: allowed })));
  for (const h of hosts) allowed.add(h.peerId.toString());
  return signingCluster(hosts, (h) => h.getMultiaddrs());
}

/**
 * The signing of `sign-net` and `sign-relay` on three started hosts (party `i` on `hosts[i - 1]`): session
 * registries, a 2-of-3 key, and signings by parties 1 and 2, where party `i` dials party `j` at `addrsOf(host j)`
 * (the runner's rule: the lower index dials, so only party 1 dials). `stop` stops the registries and the hosts.
 */
export async function signingCluster(
  hosts: readonly Host[],
  addrsOf: (host: Host) => HostMultiaddr[],
): Promise<SignCluster> {
  let bytes = 0;
  const regs = await Promise.all(hosts.map((h) => SessionRegistry.install(h)));
  const shares: Map<number, KeyShare> = keygen(3, 2, 'bench-net', { suite: () => nodeSuite() }).results;
  const guards = [1, 2, 3].map(() => new PairGuard());
  const signers = [1, 2];
  const sign = async (label: string): Promise<number> => {
    const sessionId = crypto.getRandomValues(new Uint8Array(32));
    const hash = sha256(new TextEncoder().encode(label));
    bytes = 0;
    await Promise.all(
      signers.map((i) => {
        const peers = new Map(
          signers
            .filter((j) => j !== i)
            .map((j) => [j, { peerId: hosts[j - 1]!.peerId, addrs: addrsOf(hosts[j - 1]!) }] as const),
        );
        const run = createSign(
          {
            sessionId,
            keyShare: shares.get(i)!,
            signers,
            pairs: pairsOf(i, signers),
            suite: nodeSuite(),
            pairGuard: guards[i - 1]!,
          },
          hash,
        );
        return runSession<Signature>({
          host: hosts[i - 1]!,
          registry: regs[i - 1]!,
          sessionId,
          self: i,
          peers,
          run,
          roundTimeoutMs: 5_000,
          totalTimeoutMs: 20_000,
          // observer only: counts the bytes of every frame sent (header + payload), changes nothing
          tamperOutbound: (f) => {
            bytes += FRAME_HEADER_BYTES + f.payload.length;
            return undefined;
          },
        });
      }),
    );
    return bytes;
  };
  return {
    sign,
    stop: async () => {
      await Promise.all(regs.map((r) => r.stop()));
      await Promise.all(hosts.map((h) => h.stop()));
    },
  };
}
