/**
 * Benchmarks of the engine: `npm run bench [-- --json] [-- --runs N] [-- --only op1,op2]`, or `mpc bench`.
 * All parties run in this one process and every message passes through its codec; `bytes` is the total of
 * all serialised messages of one run (a broadcast counts once per recipient, as on direct streams). The
 * exceptions are `sign-relay` (bench/sign-relay.ts: sign-net with one signer behind a circuit relay), and
 * `sign-api` and `sign-hybrid` (bench/sign-api.ts) and `sign-api-presigned` (bench/sign-api-presigned.ts), which
 * start a whole dev network (cli/dev-network.ts: party
 * processes and a coordinator) and sign through its REST API.
 * The harness lives in bench/lib/; this file only registers the cases.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { G, mulGSecret, mulSecret, randomScalar } from '../protocols/common/curve.js';
import type { CurveBackend } from '../protocols/common/suite.js';
import type { KeyShare } from '../protocols/dkls23/key-share.js';
import { runPairSetupInMemory } from '../protocols/dkls23/pair-setup.js';
import { createOnlineSign, type Presignature } from '../protocols/dkls23/sign.js';
import { chooseCurveBackend, curveBackend, nativeBackend, wasmBackend } from '../src/runtime/curve-backend.js';
import { nodeSuite, systemRng } from '../src/runtime/suite.js';
import { nodeId } from '../test/helpers/ids.js';
import { runNetwork } from '../test/helpers/network.js';
import { keygen, presign, reshare, sign } from '../test/helpers/parties.js';
import { BENCH_USAGE, type BenchCase, parseBenchArgs, report, runCases, selectCases } from './lib/index.js';
import { type LoadOptions, loadCase } from './load.js';
import { reshareApiCases } from './reshare-api.js';
import { signApiCase, signHybridCase } from './sign-api.js';
import { signApiPresignedCase } from './sign-api-presigned.js';
import { signNetCluster } from './sign-net.js';
import { signRelayCase } from './sign-relay.js';

const suite = () => nodeSuite();
let counter = 0;
const fresh = (label: string) => `${label}-${counter++}`;
const hash = (label: string) => sha256(new TextEncoder().encode(label));

/** Targets from the engine issue (2-core machine; the reference WASM engine measured 68.6 ms / 202 ms per sign). */
const TARGETS: Record<string, number> = {
  'pair-setup/2/2': 3000,
  'keygen/3/2': 150,
  'sign/3/2': 55,
  'sign/5/3': 170,
};

function makeCases(runs: number | undefined, load: LoadOptions = {}): BenchCase[] {
  const cases: BenchCase[] = [];
  const target = (op: string, n: number, t: number) => TARGETS[`${op}/${n}/${t}`];

  cases.push({
    op: 'pair-setup',
    n: 2,
    t: 2,
    runs: 5,
    target_ms: target('pair-setup', 2, 2),
    run: () => ({ bytes: runPairSetupInMemory(nodeId(101), nodeId(102), suite(), suite()).bytes }),
  });

  // The curve backends side by side (the node uses the chosen one): 100 multiplications by secret scalars per run.
  const backends: CurveBackend[] = [wasmBackend()];
  try {
    backends.push(nativeBackend());
  } catch {
    // the native addon does not load here: only the WebAssembly rows
  }
  const chosen = chooseCurveBackend().backend.name;
  const P = G.multiply(randomScalar(systemRng));
  const scalars = Array.from({ length: 100 }, () => randomScalar(systemRng));
  for (const [op, mul] of [
    ['ec-mul-g', (b: CurveBackend, x: bigint) => mulGSecret(b, x)],
    ['ec-mul-secret', (b: CurveBackend, x: bigint) => mulSecret(b, P, x)],
  ] as const) {
    for (const backend of backends) {
      cases.push({
        op,
        n: 1,
        t: 1,
        runs: 30,
        run: () => {
          for (const x of scalars) mul(backend, x);
          return { bytes: 0 };
        },
        finish: (m) => ({
          extra: { backend: backend.name, us_per_op: Math.round(m.median_ms * 10), chosen: backend.name === chosen },
        }),
      });
    }
  }

  for (const [t, n] of [
    [2, 3],
    [3, 5],
  ] as const) {
    const signers = Array.from({ length: t }, (_, k) => k + 1);
    let shares: Map<number, KeyShare> | undefined;
    // made once, untimed, by whichever case needs it first (so `--only sign` works alone)
    const keyShares = () => {
      shares ??= keygen(n, t, 'bench', { suite }).results;
      return shares;
    };
    const pool: Presignature[][] = [];
    const withTarget = (op: string) => {
      const ms = target(op, n, t);
      return ms === undefined ? {} : { target_ms: ms };
    };
    cases.push({
      op: 'keygen',
      n,
      t,
      runs: 20,
      ...withTarget('keygen'),
      run: () => ({ bytes: keygen(n, t, fresh('kg'), { suite }).bytes }),
    });
    // refresh: every party deals and receives (same key, new shares)
    const everyone = Array.from({ length: n }, (_, k) => ({ nodeId: nodeId(k + 1), oldIndex: k + 1, newIndex: k + 1 }));
    cases.push({
      op: 'refresh',
      n,
      t,
      runs: 20,
      setup: () => void keyShares(),
      run: () => ({ bytes: reshare(keyShares(), everyone, t, fresh('rf'), { suite }).bytes }),
    });
    cases.push({
      op: 'sign',
      n,
      t,
      runs: 30,
      ...withTarget('sign'),
      setup: () => void keyShares(),
      run: () => ({ bytes: sign(keyShares(), signers, hash(fresh('m')), fresh('sg'), { suite }).bytes }),
    });
    cases.push({
      op: 'presign',
      n,
      t,
      runs: 30,
      run: () => {
        const r = presign(keyShares(), signers, fresh('ps'), suite);
        return { bytes: r.bytes };
      },
    });
    cases.push({
      op: 'online',
      n,
      t,
      runs: 30,
      setup: () => {
        // one presignature set per timed or warm-up run, made before timing starts
        while (pool.length < (runs ?? 30) + 1)
          pool.push([...presign(keyShares(), signers, fresh('pool'), suite).results.values()]);
      },
      run: () => {
        const set = pool.pop();
        if (!set) throw new Error('online: presignature pool exhausted');
        const m = hash(fresh('online'));
        const sessionId = hash(fresh('online-session'));
        const r = runNetwork(
          new Map(set.map((p) => [p.index, createOnlineSign(p, m, curveBackend(), { sessionId })] as const)),
        );
        return { bytes: r.bytes };
      },
    });
  }
  // reshare 2-of-3 → 3-of-5: two old parties deal, three newcomers join (n, t name the new key)
  let small: Map<number, KeyShare> | undefined;
  const grow = [1, 2, 3, 4, 5].map((k) => ({ nodeId: nodeId(k), ...(k <= 2 ? { oldIndex: k } : {}), newIndex: k }));
  cases.push({
    op: 'reshare-2of3-to',
    n: 5,
    t: 3,
    runs: 20,
    setup: () => {
      small ??= keygen(3, 2, 'bench-reshare', { suite }).results;
    },
    run: () => ({ bytes: reshare(small as Map<number, KeyShare>, grow, 3, fresh('rs'), { suite }).bytes }),
  });
  let net: Awaited<ReturnType<typeof signNetCluster>> | undefined;
  cases.push({
    op: 'sign-net',
    n: 3,
    t: 2,
    runs: 30,
    warmup: 3,
    setup: async () => {
      net = await signNetCluster();
    },
    run: async () => ({ bytes: (await net?.sign(fresh('net'))) ?? 0 }),
    teardown: async () => {
      await net?.stop();
    },
  });
  // after sign-net, so that its median of this invocation is known when sign-relay and sign-api set their targets
  cases.push(signRelayCase(() => fresh('relay')));
  cases.push(signApiCase());
  // after sign-api, beside whose median it reports its own: the same signing from a warm presignature pool
  cases.push(signApiPresignedCase());
  // after sign-api, beside whose median it reports its own
  cases.push(signHybridCase());
  cases.push(...reshareApiCases());
  cases.push(loadCase(load));
  return cases;
}

async function main(): Promise<void> {
  let args: ReturnType<typeof parseBenchArgs>;
  let selected: BenchCase[];
  try {
    args = parseBenchArgs(process.argv.slice(2));
    selected = selectCases(
      makeCases(args.runs, {
        ...(args.loadSeconds === undefined ? {} : { seconds: args.loadSeconds }),
        ...(args.loadClients === undefined ? {} : { clients: args.loadClients }),
      }),
      args.only,
    );
  } catch (err) {
    console.error(`bench: ${(err as Error).message}\n${BENCH_USAGE}`);
    process.exitCode = 2;
    return;
  }
  // Progress goes to stderr, and only to a terminal, so that stdout stays a clean table or JSON stream.
  const progress = (c: BenchCase) => {
    if (process.stderr.isTTY) process.stderr.write(`bench: ${c.op} n=${c.n} t=${c.t} ...\n`);
  };
  let rows: Awaited<ReturnType<typeof runCases>>;
  try {
    rows = await runCases(selected, { runs: args.runs }, progress);
  } catch (err) {
    // one readable line (a case's message says which case and why) instead of an unhandled-rejection dump
    console.error(`bench: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
    return;
  }
  report(rows, { json: args.json });
}

await main();
