/**
 * Keygens a previous coordinator process left unfinished (failed at start, see db/recovery.ts): each of their
 * parties is sent a signed abort, on which it deletes the pending share that keygen left. A party offline now
 * gets it when it registers; an abort is sent until the party acknowledges it.
 */
import { hexToBytes } from '@noble/hashes/utils.js';
import type { SignedDecision } from '../../protocols/control/control.js';
import { signedDecisions } from '../../protocols/control/decision.js';
import { nodeEd25519 } from '../../src/runtime/ed25519.js';
import type { Log } from '../../src/runtime/logger.js';
import type { AbandonedKeygen } from '../db/types.js';
import type { PartyNetwork } from './orchestrator.js';

const ed25519 = nodeEd25519();

/** Signed aborts still to deliver, by party. */
export class AbandonedKeygens {
  private readonly due = new Map<string, Map<string, SignedDecision>>();
  /** `party/session` of aborts on their way (a party's status report must not send a second copy). */
  private readonly delivering = new Set<string>();

  constructor(
    private readonly network: Pick<PartyNetwork, 'decide'>,
    private readonly signingKey: Uint8Array,
    private readonly log: Log,
  ) {}

  /** Signs an abort for each keygen and delivers it to each of its parties that `online` says is online. */
  add(keygens: readonly AbandonedKeygen[], online: (partyId: string) => boolean): void {
    for (const k of keygens) {
      const signed = signedDecisions.sign(
        { sessionId: hexToBytes(k.sessionId), keyId: hexToBytes(k.keyId), action: 'abort' },
        this.signingKey,
        ed25519,
      );
      for (const p of k.partyIds) {
        const due = this.due.get(p) ?? new Map<string, SignedDecision>();
        due.set(k.sessionId, signed);
        this.due.set(p, due);
      }
    }
    for (const p of this.due.keys()) if (online(p)) this.deliver(p);
  }

  /** Sends `partyId` the aborts it is due (it is online); an acknowledged one is not sent again. */
  deliver(partyId: string): void {
    const due = this.due.get(partyId);
    if (!due) return;
    for (const [sessionId, signed] of due) {
      const key = `${partyId}/${sessionId}`;
      if (this.delivering.has(key)) continue;
      this.delivering.add(key);
      void this.network.decide(partyId, signed).then((ack) => {
        this.delivering.delete(key);
        if (!ack.ok) return;
        due.delete(sessionId);
        if (due.size === 0) this.due.delete(partyId);
        this.log.info({ party: partyId, session: sessionId }, 'told a party to discard an abandoned keygen share');
      });
    }
  }
}
