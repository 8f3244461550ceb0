/**
 * Signed control messages, declared once. A signed message travels as an envelope
 * `type(u8) ‖ version(u8) ‖ body(u16 len) ‖ signature(64)`; the body is itself versioned, and the signature is
 * an Ed25519 signature by the sender's libp2p key over the body in the message's domain (peer-key.ts), so a
 * signature made for one message type is never valid for another. Each message type (session record, result,
 * decision) is one {@link defineSignedMessage} instance: its body codec and who signs it; signing, checking,
 * wrapping and unwrapping are the same for all.
 */
import { decodeAll, type Reader, Writer } from '../common/codec.js';
import { DecodeError } from '../common/errors.js';
import { ControlError, type ControlErrorCode } from './errors.js';
import { type Ed25519, type SignatureDomain, signAs, verifyAs } from './peer-key.js';
import { readHeader, SIGNATURE_BYTES, WIRE_VERSION } from './wire.js';

/**
 * A message body with its exact signed bytes and the signature over them. The decoded body sits under the
 * message's domain name (`signed.record`, `signed.result`, `signed.decision`); trust it only when it came from
 * {@link SignedMessageType.sign} or {@link SignedMessageType.open}.
 */
export type Signed<D extends SignatureDomain, T> = { readonly [K in D]: T } & SignedBytes;

/** A signed body as it travels: the exact bytes and the signature over them. */
export interface SignedBytes {
  /** The encoded body: what the signature covers. */
  readonly bytes: Uint8Array;
  /** The 64-byte Ed25519 signature by the sender's key, in the message's domain. */
  readonly signature: Uint8Array;
}

/** What makes one signed message type. */
export interface SignedMessageDef<D extends SignatureDomain, T> {
  /** The signature domain; also the name of the decoded body's field in {@link Signed}. */
  readonly domain: D;
  /** The envelope's type byte (`MessageType`). */
  readonly type: number;
  /** The message's name in errors, e.g. `session record`. */
  readonly what: string;
  /** Who signs it, in errors: `coordinator` or `party`. */
  readonly signer: string;
  /** The code of a body that is correctly signed but does not decode. */
  readonly badBody: ControlErrorCode;
  /** Serialises a body; throws {@link ControlError} `INVALID_ARGUMENT` when it breaks a rule. */
  encode(body: T): Uint8Array;
  /** Parses and validates a body; throws {@link DecodeError} for anything malformed or trailing. */
  decode(bytes: Uint8Array): T;
}

/** Sign, check, wrap and unwrap one signed message type. */
export interface SignedMessageType<D extends SignatureDomain, T> {
  /**
   * Encodes `body` and signs it with the sender's 32-byte Ed25519 secret seed. The result holds `body` itself
   * (its encoder checked it), not a decoded copy: treat it as immutable once signed.
   */
  sign(body: T, secretKey: Uint8Array, ed?: Ed25519): Signed<D, T>;
  /**
   * Checks the signature over `bytes` by the key of `signerPeerId` (before parsing them), then decodes the
   * body. Throws {@link ControlError}: `BAD_SIGNATURE`, the type's bad-body code, or `BAD_PEER_ID` when
   * `signerPeerId` is not an Ed25519 peer id.
   */
  verify(bytes: Uint8Array, signature: Uint8Array, signerPeerId: Uint8Array, ed?: Ed25519): T;
  /** Wraps a signed body in its envelope, for the wire. */
  encode(signed: SignedBytes): Uint8Array;
  /** Unwraps an envelope and decodes its body; the signature is NOT checked. Throws {@link DecodeError}. */
  decode(envelope: Uint8Array): Signed<D, T>;
  /**
   * Unwraps an envelope into its body bytes and signature, neither checked nor decoded (for a check that
   * verifies before it decodes, like `acceptRecord`). Throws {@link ControlError} `BAD_MESSAGE`.
   */
  unwrap(envelope: Uint8Array): SignedBytes;
  /**
   * Unwraps an envelope, checks its signature and decodes its body: what a receiver does. Throws
   * {@link ControlError}: `BAD_MESSAGE` for a malformed envelope, else as {@link verify}.
   */
  open(envelope: Uint8Array, signerPeerId: Uint8Array, ed?: Ed25519): Signed<D, T>;
  /** True when `envelope` is well formed and signed by `signerPeerId` (the body is not decoded). Never throws. */
  check(envelope: Uint8Array, signerPeerId: Uint8Array, ed?: Ed25519): boolean;
  /** The envelope's type byte. */
  readonly type: number;
}

/** Declares a signed message type from its body codec. */
export function defineSignedMessage<D extends SignatureDomain, T>(
  def: SignedMessageDef<D, T>,
): SignedMessageType<D, T> {
  const signed = (body: T, bytes: Uint8Array, signature: Uint8Array) =>
    ({ [def.domain]: body, bytes, signature }) as unknown as Signed<D, T>;
  const split = (envelope: Uint8Array) => decodeAll(envelope, (r) => readEnvelope(r, def.type, def.what));
  const unwrap = (envelope: Uint8Array): SignedBytes => {
    try {
      const { body, signature } = split(envelope);
      return { bytes: body, signature };
    } catch (e) {
      if (e instanceof DecodeError) throw new ControlError('BAD_MESSAGE', e.message, { cause: e });
      throw e;
    }
  };
  const verify = (bytes: Uint8Array, signature: Uint8Array, signerPeerId: Uint8Array, ed?: Ed25519): T => {
    if (!verifyAs(def.domain, bytes, signature, signerPeerId, ed)) {
      throw new ControlError('BAD_SIGNATURE', `${def.what} is not signed by the ${def.signer}`);
    }
    try {
      return def.decode(bytes);
    } catch (e) {
      if (e instanceof DecodeError) throw new ControlError(def.badBody, e.message, { cause: e });
      throw e;
    }
  };
  return {
    type: def.type,
    sign(body, secretKey, ed) {
      const bytes = def.encode(body);
      return signed(body, bytes, signAs(def.domain, bytes, secretKey, ed));
    },
    verify,
    encode: (s) => encodeEnvelope(def.type, s.bytes, s.signature),
    decode(envelope) {
      const { body, signature } = split(envelope);
      return signed(def.decode(body), body, signature);
    },
    unwrap,
    open(envelope, signerPeerId, ed) {
      const { bytes, signature } = unwrap(envelope);
      return signed(verify(bytes, signature, signerPeerId, ed), bytes, signature);
    },
    check(envelope, signerPeerId, ed) {
      try {
        const { body, signature } = split(envelope);
        return verifyAs(def.domain, body, signature, signerPeerId, ed);
      } catch {
        return false;
      }
    },
  };
}

/** A signed message on the wire: `type ‖ version ‖ u16 len ‖ body ‖ signature(64)`. */
function encodeEnvelope(type: number, body: Uint8Array, signature: Uint8Array): Uint8Array {
  if (signature.length !== SIGNATURE_BYTES) throw new Error('encodeEnvelope: signature must be 64 bytes');
  return new Writer().u8(type).u8(WIRE_VERSION).varBytes(body).bytes(signature).finish();
}

/** Splits an envelope of `type` into body and signature (no verification). */
function readEnvelope(r: Reader, type: number, what: string): { body: Uint8Array; signature: Uint8Array } {
  readHeader(r, type, `${what} envelope`);
  const body = r.varBytes(0xffff);
  const signature = r.copy(SIGNATURE_BYTES);
  return { body, signature };
}
