/**
 * `sign-api-presigned`: the REST signing latency of `sign-api` (same dev network, same 2-of-3 server-custody
 * account, sequential requests) with a warm presignature pool: the coordinator runs with `--presign-pool`
 * {@link PRESIGNED_POOL}, the setup waits until the account's pool is full, and every timed request must answer
 * `presigned: true` — only the online round runs. Target: {@link PRESIGNED_TARGET_MS} ms median.
 */
import type { BenchCase, Row } from './lib/index.js';
import { type BenchNetwork, type SignApiClient, signApiClient, startBenchNetwork } from './sign-api.js';

/** Presignatures the coordinator keeps for the account: more than warm-ups and timed runs together. */
export const PRESIGNED_POOL = 120;
/** Timed runs of the case (`--runs` above PRESIGNED_POOL − warm-ups would empty the pool: the case then fails). */
const RUNS = 80;
const WARMUP = 20;
/** The budget for a signing from a warm pool through REST. */
export const PRESIGNED_TARGET_MS = 5;
/** How long the setup waits for the pool to fill (a presign session per presignature, one at a time). */
const WARM_TIMEOUT_MS = 180_000;

const round2 = (x: number): number => Math.round(x * 100) / 100;

/** Waits until the account's pool holds `size` presignatures (GET /api/v1/accounts/:id `presignatures`). */
async function warmPool(net: BenchNetwork, accountId: string, size: number): Promise<void> {
  const deadline = Date.now() + WARM_TIMEOUT_MS;
  let held = 0;
  while (Date.now() < deadline) {
    const res = await fetch(`${net.apiUrl}/api/v1/accounts/${accountId}`, { headers: { 'x-api-key': net.apiKey } });
    held = ((await res.json()) as { presignatures?: number }).presignatures ?? 0;
    if (held >= size) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`sign-api-presigned: the pool holds ${held} of ${size} presignatures after ${WARM_TIMEOUT_MS} ms`);
}

/** The `sign-api-presigned` case; `finish` checks the signatures and that every answer used a presignature. */
export function signApiPresignedCase(): BenchCase {
  let net: BenchNetwork | undefined;
  let client: SignApiClient | undefined;
  let times = 0;
  const c = () => {
    if (client === undefined) throw new Error('sign-api-presigned: no client (setup did not finish)');
    return client;
  };
  return {
    op: 'sign-api-presigned',
    n: 3,
    t: 2,
    runs: RUNS,
    warmup: WARMUP,
    target_ms: PRESIGNED_TARGET_MS,
    setup: async () => {
      net = await startBenchNetwork({ presignPool: PRESIGNED_POOL });
      client = await signApiClient(net, 'server', 'sign-api-presigned');
      await warmPool(net, client.accountId, PRESIGNED_POOL);
    },
    run: async () => {
      times++;
      return { bytes: await c().sign() };
    },
    finish: (m, earlier: readonly Row[]) => {
      c().verify();
      const full = times - c().presigned();
      if (full > 0) {
        throw new Error(
          `sign-api-presigned: ${full} of ${times} requests ran a full signing (the pool of ${PRESIGNED_POOL} ran dry or a party lacked a presignature)`,
        );
      }
      const api = earlier.find((r) => r.op === 'sign-api')?.median_ms;
      return {
        extra: {
          verified: c().verified(),
          presigned: c().presigned(),
          pool: PRESIGNED_POOL,
          signApiMedian_ms: api === undefined ? null : round2(api),
          targetMet: m.median_ms <= PRESIGNED_TARGET_MS,
        },
      };
    },
    teardown: async () => {
      await net?.stop();
    },
  };
}
