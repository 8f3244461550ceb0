/**
 * What a party tells the coordinator about where it can be reached. By default its listen addresses; with
 * `--announce`, those addresses instead (a public address in front of a port forward, a DNS name); and a party
 * that holds a slot on the coordinator's relay (an external party) adds its relayed address — which, without
 * `--announce`, is the only one it gives: behind a NAT its own addresses reach nobody, and dialling them first
 * would only make its peers wait for a timeout. The relayed address appears once the reservation is made, so the
 * party registers again whenever what it advertises changes.
 */
import type { Libp2p } from '@libp2p/interface';
import { MAX_ADDRS } from '../../protocols/control/wire.js';

/** How a party advertises itself. */
export interface AdvertiseOptions {
  /** `--announce` addresses; when given they replace the listen addresses. */
  readonly announce?: readonly string[];
  /** Whether the party holds a relay slot (then its relayed addresses are advertised). */
  readonly relayed: boolean;
}

/** True for a relayed (`/p2p-circuit`) address. */
export function isRelayed(addr: string): boolean {
  return addr.includes('/p2p-circuit');
}

/** The addresses to register now (at most {@link MAX_ADDRS}). */
export function advertisedAddrs(host: Libp2p, o: AdvertiseOptions): string[] {
  const own = host.getMultiaddrs().map(String);
  const relayed = o.relayed ? own.filter(isRelayed) : [];
  const direct =
    o.announce && o.announce.length > 0 ? [...o.announce] : o.relayed ? [] : own.filter((a) => !isRelayed(a));
  return [...new Set([...direct, ...relayed])].slice(0, MAX_ADDRS);
}

/** Resolves once the host advertises a relayed address, or after `timeoutMs` (false then). */
export async function untilRelayed(host: Libp2p, timeoutMs: number): Promise<boolean> {
  const has = () => host.getMultiaddrs().some((a) => isRelayed(a.toString()));
  if (has()) return true;
  return new Promise((resolve) => {
    const onUpdate = () => {
      if (!has()) return;
      clearTimeout(timer);
      host.removeEventListener('self:peer:update', onUpdate);
      resolve(true);
    };
    const timer = setTimeout(() => {
      host.removeEventListener('self:peer:update', onUpdate);
      resolve(false);
    }, timeoutMs);
    host.addEventListener('self:peer:update', onUpdate);
  });
}

/** Calls `onChange` whenever the advertised addresses change (the relay slot was made, lost or renewed). */
export function watchAdvertised(host: Libp2p, o: AdvertiseOptions, onChange: (addrs: string[]) => void): () => void {
  let last = JSON.stringify(advertisedAddrs(host, o));
  const onUpdate = () => {
    const now = advertisedAddrs(host, o);
    const key = JSON.stringify(now);
    if (key === last) return;
    last = key;
    onChange(now);
  };
  host.addEventListener('self:peer:update', onUpdate);
  return () => host.removeEventListener('self:peer:update', onUpdate);
}
