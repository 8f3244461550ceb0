/**
 * Threshold signing (docs/protocol.md, "Signing"). Rounds 1–3 do not depend on the message and end in a
 * {@link Presignature}; round 4 is the online round that turns a presignature and a message hash into an
 * Ethereum-compatible ECDSA signature, verified against the public key before it is released.
 *
 * 1. broadcast `sid_i` and a commitment to `R_i = r_i·G`;
 * 2. to each other signer j (as Bob towards Alice j): `ssid`, the echo of round 1, the OT-extension message;
 * 3. to each other signer j (as Alice towards Bob j): `Γ^u`, `Γ^v`, `ψ_{i→j}`, `pk_i`, the opening of `R_i`
 *    and the vector-OLE message (inputs `r_i`, `sk_i`);
 * 4. broadcast `ssid`, `R`, the message hash, `u_i` and `w_i = m·φ_i + r·v_i`.
 *
 * The parts live by concern: sign-config.ts (configuration, additive share, msid), sign-messages.ts (the wire
 * formats), presign.ts (rounds 1–3), online.ts (round 4 and the combiner); this file assembles the runs.
 */
import { type Outbound, RoundRun } from '../common/run.js';
import type { CurveBackend } from '../common/suite.js';
import {
  checkMessageHash,
  childTerms,
  combine,
  onlineShare,
  rerandomize,
  type Signature,
  type SigningTerms,
} from './online.js';
import { consumePresignature, type Presignature, PresignRun } from './presign.js';
import type { SignConfig } from './sign-config.js';
import { encodeOnlineShare, type OnlineShare, readSignRound4 } from './sign-messages.js';

export {
  checkMessageHash,
  compressedR,
  type NoncePoint,
  type Signature,
  type SigningTerms,
  signatureOfSums,
  signatureR,
} from './online.js';

/** How a signing may differ from signing for the key itself with a nonce made for it. */
export interface SignOptions {
  /** The tweak of a derived child key (derive.ts): the signature verifies under `pk + tweak·G`. @default 0 */
  readonly tweak?: bigint;
}

/** What the online round from a stored presignature needs besides the message. */
export interface OnlineSignOptions extends SignOptions {
  /** The online session's id (the coordinator's record), hashed into the re-randomisation of R. */
  readonly sessionId: Uint8Array;
}
export { consumePresignature, type Presignature, PresignRun } from './presign.js';
export { additiveShare, multiplicationSid, type SignConfig, validateSignConfig } from './sign-config.js';
export {
  encodeOnlineShare,
  type OnlineShare,
  readSignRound1,
  readSignRound2,
  readSignRound3,
  readSignRound4,
} from './sign-messages.js';

/** A whole signing: presigning rounds 1–3, then the online round 4 with `messageHash`. */
export class SignRun extends PresignRun<Signature> {
  private terms: SigningTerms | undefined;
  private own: OnlineShare | undefined;

  constructor(
    config: SignConfig,
    private readonly messageHash: Uint8Array,
    private readonly options: SignOptions = {},
  ) {
    checkMessageHash(messageHash);
    super(config, 4);
  }

  // The nonce is made in this run, after the message and the child key are fixed: no re-randomisation needed.
  protected override presigned(p: Presignature): Outbound[] {
    this.terms = childTerms(this.config.suite.curve, p, this.options.tweak);
    this.own = onlineShare(this.terms, consumePresignature(p), this.messageHash);
    return [{ to: 'all', round: 4, payload: encodeOnlineShare(this.own) }];
  }

  protected override onOnlineRound(msgs: ReadonlyMap<number, Uint8Array>): Outbound[] {
    const shares = new Map(
      [...msgs].map(([from, payload]) => [from, this.decode(from, payload, readSignRound4)] as const),
    );
    this.finish(
      combine(this.config.suite.curve, this.terms as SigningTerms, this.own as OnlineShare, shares, this.round),
    );
    return [];
  }
}

/**
 * The online round alone: one broadcast from a stored presignature (consumed on construction), re-randomised
 * for this session, message and child key (online.ts).
 */
export class OnlineSignRun extends RoundRun<Signature> {
  private readonly own: OnlineShare;
  /** The terms signed under: R re-randomised, the child key. */
  readonly terms: SigningTerms;

  constructor(
    presig: Presignature,
    messageHash: Uint8Array,
    private readonly curve: CurveBackend,
    options: OnlineSignOptions,
  ) {
    checkMessageHash(messageHash);
    super(presig.index, presig.signers, 1);
    const { terms, share } = presignedShare(presig, messageHash, curve, options);
    this.terms = terms;
    this.own = share;
  }

  protected firstRound(): Outbound[] {
    return [{ to: 'all', round: 1, payload: encodeOnlineShare(this.own) }];
  }

  protected onRound(_round: number, msgs: ReadonlyMap<number, Uint8Array>): Outbound[] {
    const shares = new Map(
      [...msgs].map(([from, payload]) => [from, this.decode(from, payload, readSignRound4)] as const),
    );
    this.finish(combine(this.curve, this.terms, this.own, shares, this.round));
    return [];
  }
}

/**
 * A signer's online share from a stored presignature (consumed at once), re-randomised for `options.sessionId`,
 * the message and the child key, with the terms it was computed under (R', the key signed for). The online round
 * broadcasts it ({@link OnlineSignRun}); a combiner outside the signer set adds the shares of all signers up with
 * `signatureOfSums` and verifies the result (docs/protocol.md "Derived keys and presignature pools").
 */
export function presignedShare(
  presig: Presignature,
  messageHash: Uint8Array,
  curve: CurveBackend,
  options: OnlineSignOptions,
): { terms: SigningTerms; share: OnlineShare } {
  checkMessageHash(messageHash);
  const terms = childTerms(curve, presig, options.tweak);
  const fresh = rerandomize(curve, terms, consumePresignature(presig), options.sessionId, messageHash);
  return { terms: fresh.terms, share: onlineShare(fresh.terms, fresh.values, messageHash) };
}

/** Creates a signer's whole signing run (rounds 1–4), for the key itself or (`options.tweak`) a derived child. */
export function createSign(config: SignConfig, messageHash: Uint8Array, options: SignOptions = {}): SignRun {
  return new SignRun(config, messageHash, options);
}

/** Creates a signer's presigning run (rounds 1–3); its result is a one-use {@link Presignature}. */
export function createPresign(config: SignConfig): PresignRun {
  return new PresignRun(config);
}

/**
 * Creates the online round from a presignature, which is consumed at once and re-randomised with
 * `options.sessionId`; `curve` verifies the combined signature (the suite's backend).
 */
export function createOnlineSign(
  presig: Presignature,
  messageHash: Uint8Array,
  curve: CurveBackend,
  options: OnlineSignOptions,
): OnlineSignRun {
  return new OnlineSignRun(presig, messageHash, curve, options);
}
