/**
 * Failed API-key attempts by client address: more than `perMinute` failures within a minute lock the address
 * out for `lockoutSeconds` (429 with Retry-After, whatever key it sends meanwhile). Keys are long and random,
 * so this is not what keeps them secret; it keeps a guessing or misconfigured client from costing the
 * coordinator work and flooding its log. IPv6 clients are counted by their /64, which one host can fill with
 * addresses at will. The table is bounded: past `maxAddresses`, expired entries go first, then the oldest.
 */
import { parseIp } from './ip-allow.js';

/** The limit: failures per minute from one address, and how long an address is then refused. */
export interface AuthFailureLimit {
  /** Failures tolerated per minute; one more starts a lockout. */
  perMinute: number;
  /** Seconds an address stays locked out. */
  lockoutSeconds: number;
}

/** 20 failures a minute is far above any honest mistake; a minute's lockout costs a fixed client little. */
export const DEFAULT_AUTH_FAILURE_LIMIT: AuthFailureLimit = { perMinute: 20, lockoutSeconds: 60 };

const WINDOW_MS = 60_000;

interface Entry {
  windowStart: number;
  failures: number;
  blockedUntil: number;
}

/** The per-address failure counts; see the module comment. */
export class AuthFailures {
  private readonly entries = new Map<string, Entry>();

  constructor(
    readonly limit: AuthFailureLimit = DEFAULT_AUTH_FAILURE_LIMIT,
    private readonly now: () => number = Date.now,
    private readonly maxAddresses = 10_000,
  ) {
    if (!Number.isSafeInteger(limit.perMinute) || limit.perMinute < 1)
      throw new Error(`AuthFailures: perMinute must be a positive integer, got ${limit.perMinute}`);
    if (!Number.isSafeInteger(limit.lockoutSeconds) || limit.lockoutSeconds < 1)
      throw new Error(`AuthFailures: lockoutSeconds must be a positive integer, got ${limit.lockoutSeconds}`);
  }

  /** Whole seconds until `ip` may try again (0: not locked out). */
  retryAfter(ip: string): number {
    const e = this.entries.get(bucket(ip));
    const left = e === undefined ? 0 : e.blockedUntil - this.now();
    return left > 0 ? Math.ceil(left / 1000) : 0;
  }

  /** Counts a failure from `ip`; true when it starts a lockout. */
  fail(ip: string): boolean {
    const now = this.now();
    const key = bucket(ip);
    let e = this.entries.get(key);
    if (e === undefined || (now - e.windowStart >= WINDOW_MS && e.blockedUntil <= now)) {
      if (e === undefined) this.makeRoom(now);
      e = { windowStart: now, failures: 0, blockedUntil: 0 };
      this.entries.set(key, e);
    }
    e.failures++;
    if (e.failures > this.limit.perMinute && e.blockedUntil <= now) {
      e.blockedUntil = now + this.limit.lockoutSeconds * 1000;
      // the next window starts when the lockout ends
      e.windowStart = e.blockedUntil;
      e.failures = 0;
      return true;
    }
    return false;
  }

  private makeRoom(now: number): void {
    if (this.entries.size < this.maxAddresses) return;
    for (const [k, e] of this.entries) {
      if (now - e.windowStart >= WINDOW_MS && e.blockedUntil <= now) this.entries.delete(k);
    }
    while (this.entries.size >= this.maxAddresses) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }
}

/** The counting unit of an address: the IPv4 address itself, an IPv6 address's /64. */
function bucket(ip: string): string {
  const a = parseIp(ip);
  if (a === undefined) return ip;
  // an IPv4 client however the socket reports it (`10.0.0.1`, `::ffff:10.0.0.1`): its mapped form
  const v4 = a.v4 || a.value >> 32n === 0xffffn;
  return v4 ? a.value.toString(16) : `v6:${(a.value >> 64n).toString(16)}`;
}
