/**
 * How a reshare record becomes the engine's reshare configuration for this party: the record names every party by
 * its session position, with its index in the old key (a dealer) and in the new one (a receiver); a dealer brings
 * its committed share of the old key.
 */
import { decodePoint } from '../../protocols/common/curve.js';
import { ControlError } from '../../protocols/control/errors.js';
import type { ReshareTerms, SessionRecord } from '../../protocols/control/record.js';
import type { KeyShare } from '../../protocols/dkls23/key-share.js';
import type { ReshareConfig } from '../../protocols/dkls23/reshare.js';
import { nodeSuite } from '../runtime/suite.js';

/** What a reshare record says of this party and of the key it replaces. */
export interface ReshareRole {
  /** This party's index in the key being replaced (it deals) and in the new one (it receives). */
  readonly self: { readonly oldIndex?: number; readonly newIndex?: number };
  readonly terms: ReshareTerms;
}

/** This party (session index `selfIndex`) in a reshare record; `BAD_RECORD` when it is not a reshare naming it. */
export function reshareRole(record: SessionRecord, selfIndex: number): ReshareRole {
  const self = record.parties.find((p) => p.index === selfIndex);
  if (record.kind !== 'reshare' || !record.reshare || !self) {
    throw new ControlError('BAD_RECORD', 'not a reshare record naming this party');
  }
  return { self, terms: record.reshare };
}

/** This party's reshare configuration; `share` is its committed share of `terms.fromKeyId` (a dealer). */
export function reshareConfig(
  record: SessionRecord,
  terms: ReshareTerms,
  selfIndex: number,
  share: KeyShare | undefined,
): ReshareConfig {
  const ordered = [...record.parties].sort((a, b) => a.index - b.index);
  return {
    sessionId: record.sessionId,
    keyId: record.keyId,
    publicKey: decodePoint(terms.publicKey),
    oldThreshold: terms.oldThreshold,
    newThreshold: record.threshold,
    parties: ordered.map((p) => ({
      nodeId: p.peerId,
      ...(p.oldIndex === undefined ? {} : { oldIndex: p.oldIndex }),
      ...(p.newIndex === undefined ? {} : { newIndex: p.newIndex }),
    })),
    self: selfIndex,
    ...(share ? { share } : {}),
    ...(terms.chainCode ? { chainCode: terms.chainCode } : {}),
    suite: nodeSuite(),
  };
}
