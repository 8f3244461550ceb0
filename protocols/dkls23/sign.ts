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
import { checkMessageHash, combine, onlineShare, type Signature } from './online.js';
import { consumePresignature, type Presignature, PresignRun } from './presign.js';
import type { SignConfig } from './sign-config.js';
import { encodeOnlineShare, type OnlineShare, readSignRound4 } from './sign-messages.js';

export { checkMessageHash, type Signature, signatureR } from './online.js';
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
  private presig: Presignature | undefined;
  private own: OnlineShare | undefined;

  constructor(
    config: SignConfig,
    private readonly messageHash: Uint8Array,
  ) {
    checkMessageHash(messageHash);
    super(config, 4);
  }

  protected override presigned(p: Presignature): Outbound[] {
    this.presig = p;
    this.own = onlineShare(p, consumePresignature(p), this.messageHash);
    return [{ to: 'all', round: 4, payload: encodeOnlineShare(this.own) }];
  }

  protected override onOnlineRound(msgs: ReadonlyMap<number, Uint8Array>): Outbound[] {
    const shares = new Map(
      [...msgs].map(([from, payload]) => [from, this.decode(from, payload, readSignRound4)] as const),
    );
    this.finish(
      combine(this.config.suite.curve, this.presig as Presignature, this.own as OnlineShare, shares, this.round),
    );
    return [];
  }
}

/** The online round alone: one broadcast from a stored presignature (consumed on construction). */
export class OnlineSignRun extends RoundRun<Signature> {
  private readonly own: OnlineShare;

  constructor(
    private readonly presig: Presignature,
    messageHash: Uint8Array,
    private readonly curve: CurveBackend,
  ) {
    checkMessageHash(messageHash);
    super(presig.index, presig.signers, 1);
    this.own = onlineShare(presig, consumePresignature(presig), messageHash);
  }

  protected firstRound(): Outbound[] {
    return [{ to: 'all', round: 1, payload: encodeOnlineShare(this.own) }];
  }

  protected onRound(_round: number, msgs: ReadonlyMap<number, Uint8Array>): Outbound[] {
    const shares = new Map(
      [...msgs].map(([from, payload]) => [from, this.decode(from, payload, readSignRound4)] as const),
    );
    this.finish(combine(this.curve, this.presig, this.own, shares, this.round));
    return [];
  }
}

/** Creates a signer's whole signing run (rounds 1–4). */
export function createSign(config: SignConfig, messageHash: Uint8Array): SignRun {
  return new SignRun(config, messageHash);
}

/** Creates a signer's presigning run (rounds 1–3); its result is a one-use {@link Presignature}. */
export function createPresign(config: SignConfig): PresignRun {
  return new PresignRun(config);
}

/**
 * Creates the online round from a presignature, which is consumed at once; `curve` verifies the combined
 * signature (the suite's backend).
 */
export function createOnlineSign(presig: Presignature, messageHash: Uint8Array, curve: CurveBackend): OnlineSignRun {
  return new OnlineSignRun(presig, messageHash, curve);
}
