/**
 * `refresh-api` and `reshare-api-2of3-to`: a refresh (2-of-3 and 3-of-5) and a reshare (2-of-3 → 3-of-5) of an
 * account through REST, on a dev network of five party processes (cli/dev-network.ts). The time is the whole
 * request: the coordinator's plan, the reshare protocol among the parties, the fresh pair setups between every
 * two holders of the new key (most of it: a pair setup costs far more CPU than the reshare), the database update
 * and the commits. Each run's answer must keep the account's address.
 */
import type { BenchCase } from './lib/index.js';
import { type BenchNetwork, startBenchNetwork } from './sign-api.js';

interface Account {
  accountId: string;
  address: string;
}

async function call(net: BenchNetwork, path: string, body: unknown): Promise<Record<string, unknown>> {
  const r = await fetch(`${net.apiUrl}${path}`, {
    method: 'POST',
    headers: { 'x-api-key': net.apiKey, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await r.json()) as Record<string, unknown>;
  if (!r.ok) throw new Error(`${path}: ${r.status} ${JSON.stringify(json)}`);
  return json;
}

/** A REST reshare case: `accounts` made in setup (one per run or the same one), `body` the request. */
function reshareCase(
  op: string,
  n: number,
  t: number,
  opts: { from: [number, number]; perRun: boolean; body: unknown },
) {
  let net: BenchNetwork | undefined;
  const accounts: Account[] = [];
  let next = 0;
  const runs = 5;
  const warmup = 1;
  const c: BenchCase = {
    op,
    n,
    t,
    runs,
    warmup,
    setup: async () => {
      net = await startBenchNetwork({ parties: 5, delegates: 0 });
      const [threshold, parties] = opts.from;
      for (let k = 0; k < (opts.perRun ? runs + warmup : 1); k++) {
        accounts.push(
          (await call(net, '/api/v1/accounts', { userId: 'bench', threshold, parties })) as unknown as Account,
        );
      }
    },
    run: async () => {
      const account = (opts.perRun ? accounts[next++] : accounts[0]) as Account;
      const path = `/api/v1/accounts/${account.accountId}/${opts.body === undefined ? 'refresh' : 'reshare'}`;
      const out = (await call(net as BenchNetwork, path, opts.body ?? {})) as { account: Account };
      if (out.account.address !== account.address) throw new Error(`${op}: the address changed`);
      return { bytes: 0 };
    },
    teardown: async () => {
      await net?.stop();
    },
  };
  return c;
}

/** The REST refresh and reshare cases. */
export function reshareApiCases(): BenchCase[] {
  return [
    reshareCase('refresh-api', 3, 2, { from: [2, 3], perRun: false, body: undefined }),
    reshareCase('refresh-api', 5, 3, { from: [3, 5], perRun: false, body: undefined }),
    reshareCase('reshare-api-2of3-to', 5, 3, { from: [2, 3], perRun: true, body: { parties: 5, threshold: 3 } }),
  ];
}
