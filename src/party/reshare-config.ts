/**
 * How a reshare record becomes the engine's reshare configuration for this party: the record names every party by
 * its session position, with its index in the old key (a dealer) and in the new one (a receiver); a dealer brings
 * its committed share of the old key.
 */
import { decodePoint } from '../../protocols/common/curve.js';
import { ControlError } from '../../protocols/control/errors.js';
import type { SessionRecord } from '../../protocols/control/record.js';
import type { KeyShare } from '../../protocols/dkls23/key-share.js';
import type { ReshareConfig } from '../../protocols/dkls23/reshare.js';
import { nodeSuite } from '../runtime/suite.js';

/** The party a reshare record names at session index `selfIndex`; `BAD_RECORD` when it is not a reshare. */
export function reshareSelf(record: SessionRecord, selfIndex: number): { oldIndex?: number; newIndex?: number } {
  const self = record.parties.find((p) => p.index === selfIndex);
  if (record.kind !== 'reshare' || !record.reshare || !self) {
    throw new ControlError('BAD_RECORD', 'not a reshare record naming this party');
  }
  return self;
}

/** This party's reshare configuration; `share` is its committed share of `record.reshare.fromKeyId` (a dealer). */
export function reshareConfig(record: SessionRecord, selfIndex: number, share: KeyShare | undefined): ReshareConfig {
  const terms = record.reshare;
  if (!terms) throw new ControlError('BAD_RECORD', 'not a reshare record');
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
    suite: nodeSuite(),
  };
}
