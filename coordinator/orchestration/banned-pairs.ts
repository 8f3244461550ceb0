/**
 * Banned pairs: a party that saw a peer fail an attributable check bans it and reports the ban (its status
 * report). The two can never run a session together again until an operator lifts the ban, so the coordinator
 * chooses keygen and signer sets without such a pair, and reports the pairs in `/health` and as a metric.
 */

/** Two parties, one of which has banned the other (sorted, so that a pair has one spelling). */
export type BannedPair = readonly [string, string];

/** Distinct banned pairs from the parties' reported bans (either direction counts once). */
export function bannedPairs(parties: Iterable<{ partyId: string; bans: readonly string[] }>): BannedPair[] {
  const pairs = new Map<string, BannedPair>();
  for (const p of parties) {
    for (const b of p.bans) {
      if (b === p.partyId) continue;
      const pair = (p.partyId < b ? [p.partyId, b] : [b, p.partyId]) as BannedPair;
      pairs.set(pair.join(' '), pair);
    }
  }
  return [...pairs.values()].sort((x, y) => x.join(' ').localeCompare(y.join(' ')));
}

/**
 * The first `k` items of `candidates` (in their order: earlier items are preferred) of which no two form a
 * banned pair, or undefined when every such set contains one.
 */
export function pickWithoutBannedPair<T extends { partyId: string }>(
  candidates: readonly T[],
  k: number,
  pairs: readonly BannedPair[],
): T[] | undefined {
  if (k > candidates.length) return undefined;
  if (pairs.length === 0) return candidates.slice(0, k);
  const banned = new Set(pairs.map((p) => p.join(' ')));
  const clash = (a: string, b: string) => banned.has(a < b ? `${a} ${b}` : `${b} ${a}`);
  const chosen: T[] = [];
  // depth-first over combinations in candidate order: the first set found is the most preferred one
  const search = (from: number): boolean => {
    if (chosen.length === k) return true;
    for (let i = from; i <= candidates.length - (k - chosen.length); i++) {
      const c = candidates[i] as T;
      if (chosen.some((x) => clash(x.partyId, c.partyId))) continue;
      chosen.push(c);
      if (search(i + 1)) return true;
      chosen.pop();
    }
    return false;
  };
  return search(0) ? chosen : undefined;
}

/** Banned pairs for a message: "A and B; C and D". */
export function describePairs(pairs: readonly BannedPair[]): string {
  return pairs.map(([a, b]) => `${a} and ${b}`).join('; ');
}
