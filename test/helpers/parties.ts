/** Builders of in-memory parties for protocol tests and benchmarks. */
import { sha256 } from '@noble/hashes/sha2.js';
import type { ProtocolRun } from '../../protocols/common/run.js';
import { makeSuite, type Suite } from '../../protocols/common/suite.js';
import type { KeyShare } from '../../protocols/dkls23/key-share.js';
import { createKeygen } from '../../protocols/dkls23/keygen.js';
import { PairGuard } from '../../protocols/dkls23/pair-guard.js';
import { createReshare, type ReshareConfig, type ReshareParty } from '../../protocols/dkls23/reshare.js';
import {
  createPresign,
  createSign,
  type Presignature,
  type Signature,
  type SignConfig,
} from '../../protocols/dkls23/sign.js';
import { testCurve } from './curve.js';
import { pairsOf } from './fixture.js';
import { nodeId, nodeIds } from './ids.js';
import { type NetworkOptions, type NetworkResult, runNetwork } from './network.js';
import { seededRng } from './rng.js';

export { nodeId, nodeIds } from './ids.js';

/** Makes the suite of one party from a label (unique per party and run). */
export type SuiteFor = (label: string) => Suite;

/** The default for tests: seeded randomness (reproducible transcripts), the test backend and noble's SHA-256. */
export const seededSuite: SuiteFor = (label) => makeSuite(seededRng(label), testCurve());

/** Runs a whole t-of-n keygen in memory with seeded randomness; returns the shares by party index. */
export function keygen(
  n: number,
  t: number,
  seed: string,
  opts: NetworkOptions & { ids?: Uint8Array[]; sessionId?: Uint8Array; suite?: SuiteFor } = {},
): NetworkResult<KeyShare> {
  const ids = opts.ids ?? nodeIds(n);
  const sessionId = opts.sessionId ?? sha256(new TextEncoder().encode(`session-${seed}`));
  const runs = new Map<number, ProtocolRun<KeyShare>>();
  for (let i = 1; i <= n; i++) {
    const suite = (opts.suite ?? seededSuite)(`${seed}/party-${i}`);
    runs.set(
      i,
      createKeygen({
        sessionId,
        keyId: new TextEncoder().encode(`key-${seed}`),
        threshold: t,
        nodeIds: ids,
        self: i,
        suite,
      }),
    );
  }
  return runNetwork(runs, opts);
}

/**
 * Runs a reshare in memory: `parties` in session order, each dealer with its old share from `oldShares` (by old
 * index). Results are by session index (`undefined` for a party leaving the key).
 */
export function reshare(
  oldShares: ReadonlyMap<number, KeyShare>,
  parties: readonly ReshareParty[],
  newThreshold: number,
  seed: string,
  opts: NetworkOptions & { suite?: SuiteFor; override?: (i: number, c: ReshareConfig) => ReshareConfig } = {},
): NetworkResult<KeyShare | undefined> {
  const any = [...oldShares.values()][0] as KeyShare;
  const sessionId = sha256(new TextEncoder().encode(`reshare-session-${seed}`));
  const runs = new Map<number, ProtocolRun<KeyShare | undefined>>();
  parties.forEach((p, k) => {
    const share = p.oldIndex === undefined ? undefined : oldShares.get(p.oldIndex);
    let config: ReshareConfig = {
      sessionId,
      keyId: any.keyId,
      publicKey: any.publicKey,
      oldThreshold: any.threshold,
      newThreshold,
      parties,
      self: k + 1,
      ...(share ? { share } : {}),
      ...(any.chainCode ? { chainCode: any.chainCode } : {}),
      suite: (opts.suite ?? seededSuite)(`${seed}/party-${k + 1}`),
    };
    if (opts.override) config = opts.override(k + 1, config);
    runs.set(k + 1, createReshare(config));
  });
  return runNetwork(runs, opts);
}

/** Runs a signing by `signers` with their shares (from {@link keygen}) over the fixture's pair states. */
export function sign(
  shares: ReadonlyMap<number, KeyShare>,
  signers: readonly number[],
  messageHash: Uint8Array,
  seed: string,
  opts: NetworkOptions & {
    sessionId?: Uint8Array;
    suite?: SuiteFor;
    /** The guards of burnt pair states by signer (default: a fresh guard per signer). */
    guards?: Map<number, PairGuard>;
    override?: (i: number, c: SignConfig) => SignConfig;
    /** Sign for the derived child with this tweak (derive.ts). */
    tweak?: bigint;
  } = {},
): NetworkResult<Signature> {
  const sessionId = opts.sessionId ?? sha256(new TextEncoder().encode(`sign-session-${seed}`));
  const runs = new Map<number, ProtocolRun<Signature>>();
  for (const i of signers) {
    let config: SignConfig = {
      sessionId,
      keyShare: shares.get(i) as KeyShare,
      signers,
      pairs: pairsOf(i, signers),
      suite: (opts.suite ?? seededSuite)(`${seed}/signer-${i}`),
      pairGuard: opts.guards?.get(i) ?? new PairGuard(),
    };
    if (opts.override) config = opts.override(i, config);
    runs.set(i, createSign(config, messageHash, opts.tweak === undefined ? {} : { tweak: opts.tweak }));
  }
  return runNetwork(runs, opts);
}

/** Runs the presigning rounds for `signers`; returns their presignatures by index. */
export function presign(
  shares: ReadonlyMap<number, KeyShare>,
  signers: readonly number[],
  seed: string,
  suiteFor: SuiteFor = seededSuite,
): NetworkResult<Presignature> {
  const sessionId = sha256(new TextEncoder().encode(`presign-session-${seed}`));
  const runs = new Map<number, ProtocolRun<Presignature>>();
  for (const i of signers) {
    const keyShare = shares.get(i) as KeyShare;
    const suite = suiteFor(`${seed}/presigner-${i}`);
    runs.set(
      i,
      createPresign({ sessionId, keyShare, signers, pairs: pairsOf(i, signers), suite, pairGuard: new PairGuard() }),
    );
  }
  return runNetwork(runs);
}

/** The signers of a presignature made by {@link presign}, as the store keeps them (index and node id). */
export function signersOf(p: { readonly signers: readonly number[] }): { index: number; peerId: Uint8Array }[] {
  return p.signers.map((index) => ({ index, peerId: nodeId(index) }));
}
