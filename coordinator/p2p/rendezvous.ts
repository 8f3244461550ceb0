/**
 * Rendezvous: the coordinator's libp2p side. It admits configured peer ids, peers that redeem a one-time
 * join token and peers that present a pool secret (pool-secrets.ts), takes registrations (role, version, addresses), tracks presence (online while connected and
 * registered), verifies the signed results parties report, and sends them announcements and decisions —
 * directly, and once more on the gossipsub session topic for a party that misses the direct copy.
 *
 * Admission: the gater lets a peer in when it is admitted, or — only while an unused join token exists or a
 * pool secret is configured — so that it can redeem one or present the secret. Such a guest may send nothing but a join request and is disconnected after
 * {@link GUEST_GRACE_MS} unless it joins. A party admitted by token registers with the role its token fixed or
 * is refused (`ROLE_MISMATCH`). A revoked party is disconnected and refused at the gater from then on, even
 * while tokens are outstanding.
 *
 * The host also runs the circuit relay through which parties behind NAT are reached (relay.ts), for admitted
 * peers only (a guest's request for a slot waits for its join: guest-admissions.ts), and sends a delegate node the context of its next session (protocols/control/delegate.ts).
 */
import type { PeerId, PrivateKey } from '@libp2p/interface';
import { peerIdFromMultihash } from '@libp2p/peer-id';
import { multiaddr } from '@multiformats/multiaddr';
import * as Digest from 'multiformats/hashes/digest';
import { type Ack, decodeAck, encodeAck } from '../../protocols/control/ack.js';
import {
  type DelegateContext,
  decodeJoin,
  decodeRegister,
  decodeStatus,
  encodeDelegate,
  type PartyRole,
  POOL_SECRET_PREFIX,
  type SessionResult,
  type SignedDecision,
} from '../../protocols/control/control.js';
import { signedDecisions } from '../../protocols/control/decision.js';
import { ControlError } from '../../protocols/control/errors.js';
import { SESSION_TOPIC } from '../../protocols/control/gossip.js';
import { decodeKeyFateQuery, encodeKeyFates } from '../../protocols/control/key-fate.js';
import type { SignedRecord } from '../../protocols/control/record.js';
import { signedRecords } from '../../protocols/control/record.js';
import { signedResults } from '../../protocols/control/result.js';
import { MessageType } from '../../protocols/control/wire.js';
import { controlRequest, serveControl } from '../../src/runtime/control-transport.js';
import { nodeEd25519 } from '../../src/runtime/ed25519.js';
import { createHost, type Host } from '../../src/runtime/host.js';
import type { Log } from '../../src/runtime/logger.js';
import { peerIdOf } from '../../src/runtime/peer-ids.js';
import { GuestAdmissions } from './guest-admissions.js';
import { DEFAULT_RELAY_LIMITS, type RelayLimits, type RelayService, relaySetup } from './relay.js';

const ed25519 = nodeEd25519();

/**
 * A result envelope signed by `peer` (reported, or carried in an answer): its signature checked, then its body
 * decoded, once; throws otherwise.
 */
function openResult(envelope: Uint8Array, peer: PeerId): SessionResult {
  return signedResults.open(envelope, peer.toMultihash().bytes, ed25519).result;
}

/** The peer id string of multihash bytes (a malformed id is a bad message). */
function peerIdFromMultihashBytes(bytes: Uint8Array): string {
  try {
    return peerIdFromMultihash(Digest.decode(bytes)).toString();
  } catch (e) {
    throw new ControlError('BAD_MESSAGE', `not a peer id: ${String(e)}`);
  }
}

/** How long the start-up dial of a known party may take. */
const DIAL_KNOWN_TIMEOUT_MS = 5_000;

/** How long a connected peer that is not admitted may stay to redeem a join token. */
export const GUEST_GRACE_MS = 10_000;

/** A party as presence tracking sees it. */
export interface Presence {
  partyId: string;
  role: PartyRole;
  version: string;
  addresses: string[];
  online: boolean;
  lastSeen: Date;
  /** Peers this party reported it has banned (it runs no session with them); kept across reconnections. */
  bans: string[];
  /** True while the party reported it is stopping: no new session is started on it. */
  draining: boolean;
}

/** What the rendezvous reports and asks of its owner. */
export interface RendezvousInit {
  privateKey: PrivateKey;
  listen: readonly string[];
  /** Addresses advertised besides the listen addresses (a public address or DNS name in front of the host). */
  announce?: readonly string[];
  /** Limits of the circuit relay. @default DEFAULT_RELAY_LIMITS */
  relayLimits?: RelayLimits;
  /** Peer ids admitted from the start (configuration and earlier token redemptions). */
  admitted: Iterable<string>;
  /** Roles fixed by the join tokens that admitted parties (a party not here registers with any role). */
  fixedRoles?: Iterable<[string, PartyRole]>;
  /** Peer ids revoked by the operator: refused whatever else says. */
  revoked?: Iterable<string>;
  /** Redeems a token for `partyId`; the role the token fixes, or false when it is not valid and unused. */
  redeemToken(token: string, partyId: string): Promise<PartyRole | false>;
  /** Whether any unused, unexpired join token exists or a pool secret is configured (guests may connect only then). */
  tokensOutstanding(): boolean;
  /**
   * Admits `partyId` when `secret` is a configured pool secret; the role it fixes, or false. Absent: no pool
   * secret is configured and every pool join is refused.
   */
  admitByPool?(secret: string, partyId: string): Promise<PartyRole | false>;
  /** A party registered or went offline. */
  onPresence(p: Presence): void;
  /** A party reported a verified result. Answer with a refusal code to reject it. */
  onResult(partyId: string, result: SessionResult): Ack;
  /**
   * A party asks what became of the keygens of its pending keys: one signed decision message per settled key
   * (see protocols/control/key-fate.ts). Without it every key is unsettled (the parties keep their shares).
   */
  keyFates?(partyId: string, keyIds: readonly Uint8Array[]): Promise<Uint8Array[]>;
  log: Log;
}

/**
 * Inbound connections accepted per second from one remote host: every party of a cluster may sit behind one
 * address (loopback, a NAT), and parties reconnecting together after a coordinator restart must not be reset.
 */
const INBOUND_CONNECTIONS_PER_SECOND = 100;

/** The coordinator's libp2p node. */
export class Rendezvous {
  private readonly parties = new Map<string, Presence>();
  private stopping = false;

  private readonly roles: Map<string, PartyRole>;

  private constructor(
    readonly host: Host,
    private readonly admitted: Set<string>,
    private readonly revoked: Set<string>,
    private readonly init: RendezvousInit,
    /** Guests' relay slot requests waiting for the guest's join. */
    private readonly guests: GuestAdmissions,
  ) {
    this.roles = new Map(init.fixedRoles ?? []);
  }

  /** Starts the host and serves the control protocol. */
  static async start(init: RendezvousInit): Promise<Rendezvous> {
    const revoked = new Set(init.revoked ?? []);
    const admitted = new Set([...init.admitted].filter((id) => !revoked.has(id)));
    const guests = new GuestAdmissions();
    const isAdmitted = (id: string) => admitted.has(id) && !revoked.has(id);
    // only admitted peers may hold a relay slot or be relayed: never a guest that came to redeem a token; a
    // guest's request for a slot waits for its join (it was sent as the guest connected)
    const relay = relaySetup(
      isAdmitted,
      init.relayLimits ?? DEFAULT_RELAY_LIMITS,
      async (id) => (await guests.wait(id, GUEST_GRACE_MS)) && isAdmitted(id),
    );
    const host = await createHost({
      privateKey: init.privateKey,
      listen: [...init.listen],
      ...(init.announce && init.announce.length > 0 ? { announce: [...init.announce] } : {}),
      allowedPeers: (id) => !revoked.has(id) && (admitted.has(id) || init.tokensOutstanding()),
      inboundConnectionsPerSecond: INBOUND_CONNECTIONS_PER_SECOND,
      gossip: true,
      services: relay.services,
      gater: relay.gater,
    });
    const r = new Rendezvous(host, admitted, revoked, init, guests);
    await serveControl(host, (peer, req) => r.answer(peer, req));
    host.addEventListener('peer:connect', (evt) => r.onConnect(evt.detail));
    host.addEventListener('peer:disconnect', (evt) => {
      guests.settle(evt.detail.toString(), false);
      r.onDisconnect(evt.detail.toString());
    });
    return r;
  }

  /** Multiaddrs with `/p2p/<peer id>`, what parties are pointed at. */
  get multiaddrs(): string[] {
    return this.host.getMultiaddrs().map((a) => a.toString());
  }

  /** The coordinator's peer id. */
  get peerId(): string {
    return this.host.peerId.toString();
  }

  /** Admits `partyId` (configuration at runtime, tests); a revoked party stays refused. */
  admit(partyId: string): void {
    if (!this.revoked.has(partyId)) this.admitted.add(partyId);
    this.guests.settle(partyId, this.admitted.has(partyId));
  }

  /**
   * Cuts `partyId` off: refused at the gater and for every control request from now on, marked offline, and
   * disconnected. (The caller has stored the revocation, so it holds across a restart.)
   */
  async revoke(partyId: string): Promise<void> {
    this.revoked.add(partyId);
    this.admitted.delete(partyId);
    this.roles.delete(partyId);
    this.guests.settle(partyId, false);
    this.init.log.warn({ party: partyId }, 'party revoked: disconnected and refused from now on');
    this.onDisconnect(partyId);
    await this.host.hangUp(peerIdOf(partyId)).catch(() => {});
  }

  /** Every party seen since start, online or not. */
  presence(): Presence[] {
    return [...this.parties.values()];
  }

  /** The party's presence, when it registered since start. */
  get(partyId: string): Presence | undefined {
    return this.parties.get(partyId);
  }

  /** Whether `partyId` is registered and connected now. */
  isOnline(partyId: string): boolean {
    const p = this.parties.get(partyId);
    return p?.online === true && this.host.getConnections(peerIdOf(partyId)).length > 0;
  }

  private onConnect(peer: PeerId): void {
    const id = peer.toString();
    if (this.admitted.has(id)) return;
    // a guest: it has GUEST_GRACE_MS to redeem a join token
    setTimeout(() => {
      if (this.admitted.has(id) || this.stopping) return;
      this.guests.settle(id, false);
      void this.host.hangUp(peer).catch(() => {});
    }, GUEST_GRACE_MS).unref();
  }

  private onDisconnect(partyId: string): void {
    const p = this.parties.get(partyId);
    if (!p?.online) return;
    p.online = false;
    p.lastSeen = new Date();
    this.init.log.info({ party: partyId }, 'party offline');
    this.init.onPresence({ ...p });
  }

  private async answer(peer: PeerId, req: Uint8Array): Promise<Uint8Array> {
    const id = peer.toString();
    const refuse = (code: string, message: string) => encodeAck({ ok: false, code, message });
    // a connection that was open when the party was revoked may still carry a request
    if (this.revoked.has(id)) return refuse('REVOKED', 'this party was revoked by the operator');
    try {
      if (req[0] === MessageType.JOIN) return encodeAck(await this.join(id, decodeJoin(req)));
      if (!this.admitted.has(id)) return refuse('FORBIDDEN', 'this peer id is not admitted; redeem a join token first');
      if (req[0] === MessageType.REGISTER) return encodeAck(this.register(id, req));
      if (req[0] === MessageType.STATUS) return encodeAck(this.status(id, req));
      if (req[0] === MessageType.KEY_FATE_QUERY) {
        return encodeKeyFates((await this.init.keyFates?.(id, decodeKeyFateQuery(req))) ?? []);
      }
      if (req[0] === MessageType.RESULT) {
        const result = openResult(req, peer);
        const p = this.parties.get(id);
        if (p) p.lastSeen = new Date();
        return encodeAck(this.init.onResult(id, result));
      }
      return refuse('BAD_MESSAGE', 'unknown control message type');
    } catch (e) {
      if (e instanceof ControlError) return refuse(e.code, e.message);
      if (e instanceof Error && e.name === 'DecodeError') return refuse('BAD_MESSAGE', e.message);
      this.init.log.warn({ party: id, error: String(e) }, 'control request failed');
      return refuse('INTERNAL', 'the coordinator could not handle the request');
    }
  }

  private async join(id: string, token: string): Promise<Ack> {
    if (this.admitted.has(id)) return { ok: true };
    if (token.startsWith(POOL_SECRET_PREFIX)) return this.joinPool(id, token.slice(POOL_SECRET_PREFIX.length));
    const role = await this.init.redeemToken(token, id);
    if (role === false) {
      this.init.log.warn({ party: id }, 'refused a join token (unknown, used or expired)');
      return { ok: false, code: 'BAD_TOKEN', message: 'the join token is unknown, used or expired' };
    }
    this.admitted.add(id);
    this.roles.set(id, role);
    this.init.log.info({ party: id, role }, 'party admitted by join token');
    this.guests.settle(id, true);
    return { ok: true };
  }

  private async joinPool(id: string, secret: string): Promise<Ack> {
    const role = (await this.init.admitByPool?.(secret, id)) ?? false;
    if (role === false) {
      this.init.log.warn({ party: id }, 'refused a pool secret (wrong, rotated, or no pool secret configured)');
      return {
        ok: false,
        code: 'BAD_POOL_SECRET',
        message:
          "the pool secret is not the coordinator's (wrong or rotated, or none is configured for this role): check MPC_POOL_SECRET against the coordinator's MPC_POOL_SECRET or MPC_DELEGATE_POOL_SECRET",
      };
    }
    this.admitted.add(id);
    this.roles.set(id, role);
    this.init.log.info({ party: id, role }, 'party admitted by pool secret');
    this.guests.settle(id, true);
    return { ok: true };
  }

  private register(id: string, req: Uint8Array): Ack {
    const m = decodeRegister(req);
    const fixed = this.roles.get(id);
    if (fixed !== undefined && m.role !== fixed) {
      this.init.log.warn({ party: id, role: m.role, tokenRole: fixed }, 'refused a registration with another role');
      return {
        ok: false,
        code: 'ROLE_MISMATCH',
        message: `this party was admitted by a pool secret or join token for the role ${fixed}; start it with --role ${fixed}`,
      };
    }
    const before = this.parties.get(id);
    const p: Presence = {
      partyId: id,
      role: m.role,
      version: m.version,
      addresses: [...m.addrs],
      online: true,
      lastSeen: new Date(),
      // a party reports its bans after registering; until then the last report stands (bans are persistent)
      bans: before?.bans ?? [],
      draining: false,
    };
    this.parties.set(id, p);
    this.init.log.info({ party: id, role: m.role, version: m.version }, 'party registered');
    this.init.onPresence({ ...p });
    return { ok: true };
  }

  private status(id: string, req: Uint8Array): Ack {
    const m = decodeStatus(req);
    const p = this.parties.get(id);
    if (!p) return { ok: false, code: 'NOT_REGISTERED', message: 'register before reporting a status' };
    const bans = m.bans.map((b) => peerIdFromMultihashBytes(b)).sort();
    if (bans.join() !== p.bans.join()) {
      this.init.log[bans.length > 0 ? 'warn' : 'info']({ party: id, bans }, 'party reported its bans');
    }
    if (m.draining && !p.draining) this.init.log.info({ party: id }, 'party is draining (stopping)');
    p.bans = bans;
    p.draining = m.draining;
    p.lastSeen = new Date();
    this.init.onPresence({ ...p, bans: [...bans] });
    return { ok: true };
  }

  /**
   * Dials every admitted party at the addresses it last registered (at start: a party that saw the coordinator
   * go registers the moment it is reached, instead of at its next retry). Never throws; resolves when every dial
   * has ended.
   */
  async dialKnown(parties: readonly { partyId: string; addresses: readonly string[] }[]): Promise<void> {
    await Promise.all(
      parties
        .filter((p) => this.admitted.has(p.partyId) && p.addresses.length > 0)
        .map(async (p) => {
          try {
            const peer = peerIdOf(p.partyId);
            await this.host.peerStore.merge(peer, { multiaddrs: p.addresses.map((a) => multiaddr(a)) });
            await this.host.dial(peer, { signal: AbortSignal.timeout(DIAL_KNOWN_TIMEOUT_MS) });
          } catch {
            // an offline party is expected here: it registers when it comes back
          }
        }),
    );
  }

  /**
   * Sends a signed record to one party; resolves with its answer (a failed exchange becomes a refusal). An answer
   * that carries the party's signed result (a signing from a presignature: its online share) hands it on like a
   * reported one; a payload that is not a result signed by that party becomes a `BAD_RESULT` refusal.
   */
  async announce(partyId: string, signed: SignedRecord): Promise<Ack> {
    const ack = await this.send(partyId, signedRecords.encode(signed));
    if (!ack.ok || ack.payload === undefined) return ack;
    let result: SessionResult;
    try {
      result = openResult(ack.payload, peerIdOf(partyId));
    } catch (e) {
      this.init.log.warn({ party: partyId, error: String(e) }, 'an answer carried a result that does not verify');
      return { ok: false, code: 'BAD_RESULT', message: `party ${partyId} answered with a bad result: ${String(e)}` };
    }
    const routed = this.init.onResult(partyId, result);
    return routed.ok ? { ok: true } : routed;
  }

  /**
   * Sends a delegate node the context of its next session (before the record); resolves with its answer, e.g.
   * `INVALID_USER_SHARE` when the user share does not open.
   */
  async delegate(partyId: string, context: DelegateContext): Promise<Ack> {
    return this.send(partyId, encodeDelegate(context));
  }

  /** Parties holding a slot on the relay now. */
  relayedParties(): string[] {
    const relay = (this.host.services as { relay?: RelayService }).relay;
    return relay ? [...relay.reservations.keys()].map((p) => p.toString()) : [];
  }

  /** Sends a signed commit/abort decision to one party. */
  async decide(partyId: string, signed: SignedDecision): Promise<Ack> {
    return this.send(partyId, signedDecisions.encode(signed));
  }

  /**
   * Publishes a signed record or decision envelope on the session topic, as well as the direct copies: a party
   * that missed its direct copy acts on this one. Resolves either way (gossip is the second path, not a
   * condition); a failure is logged.
   */
  async publish(envelope: Uint8Array): Promise<void> {
    try {
      await this.host.services.pubsub?.publish(SESSION_TOPIC, envelope);
    } catch (e) {
      this.init.log.warn({ error: String(e) }, 'could not publish on the session topic');
    }
  }

  private async send(partyId: string, bytes: Uint8Array): Promise<Ack> {
    try {
      return decodeAck(await controlRequest(this.host, peerIdOf(partyId), bytes));
    } catch (e) {
      return { ok: false, code: 'UNREACHABLE', message: `party ${partyId} did not answer: ${String(e)}` };
    }
  }

  /** Stops the host. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.guests.clear();
    await this.host.stop();
  }
}
