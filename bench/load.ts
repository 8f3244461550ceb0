/**
 * `load`: the custody service under load, as `npm start` runs it (cli/dev-network.ts: the coordinator with
 * embedded PGlite in the bench process, three `mpc party start` processes and a delegate process on 127.0.0.1),
 * with 16 concurrent clients for 30 s (`--load-clients`, `--load-seconds`). The row reports the requests, the
 * failures (there must be none: any failure fails the case, after printing them), the throughput, the latency
 * under load (p50/p95), and the throughput as a fraction of the CPU-bound rate.
 *
 * The CPU-bound rate is what the machine could sign if every core did nothing but signing: cores ÷ the CPU time of
 * one signature. That CPU time is measured in the same run, from the timed sequential signings before the load
 * phase: the CPU time (user + system) the party processes and this process (coordinator, database, HTTP, and
 * the client) spent over them, divided by their number. With one request at a time nothing else runs, so that is
 * the whole cost of one signature through the service; the load phase then shows how much of the machine the
 * service turns into signatures when it is busy.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { BenchCase } from './lib/index.js';
import { type BenchNetwork, type SignApiClient, signApiClient, signLoad, startBenchNetwork } from './sign-api.js';

/** Options of the `load` row. */
export interface LoadOptions {
  /** @default 30 */
  seconds?: number;
  /** @default 16 */
  clients?: number;
}

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ: 100 on every Linux Node runs on). */
const CLOCK_TICKS = 100;

/** CPU seconds (user + system) a process has used, from /proc; 0 where there is no /proc. */
function processCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the fields after the command name (which may hold spaces) in parentheses
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

/** CPU seconds used so far by this process (coordinator, database, client) and by `pids` (the parties). */
function cpuSeconds(pids: readonly number[]): { own: number; parties: number; total: number } {
  const u = process.cpuUsage();
  const own = (u.user + u.system) / 1e6;
  const parties = pids.reduce((sum, pid) => sum + processCpuSeconds(pid), 0);
  return { own, parties, total: own + parties };
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

/** The `load` case; see the module comment. */
export function loadCase(options: LoadOptions = {}): BenchCase {
  const seconds = options.seconds ?? 30;
  const clients = options.clients ?? 16;
  let net: BenchNetwork | undefined;
  let client: SignApiClient | undefined;
  let cpuAtStart = { own: 0, parties: 0, total: 0 };
  let timed = 0;
  const need = () => {
    if (client === undefined || net === undefined) throw new Error('load: no client (setup did not finish)');
    return { client, net };
  };
  return {
    op: 'load',
    n: 3,
    t: 2,
    runs: 40,
    warmup: 0,
    setup: async () => {
      net = await startBenchNetwork();
      client = await signApiClient(net);
      // every signer pair sets up (a first signing of a pair runs its pair setup) and the JITs warm up
      for (let k = 0; k < 30; k++) await client.sign();
      cpuAtStart = cpuSeconds(net.pids);
    },
    run: async () => {
      timed++;
      return { bytes: await need().client.sign() };
    },
    finish: async () => {
      const { client: c, net: n } = need();
      const afterTimed = cpuSeconds(n.pids);
      const cpuPerSign = (afterTimed.total - cpuAtStart.total) / timed;
      const ownPerSign = (afterTimed.own - cpuAtStart.own) / timed;
      c.verify();
      const beforeLoad = cpuSeconds(n.pids);
      const load = await signLoad(c, clients, seconds);
      const afterLoad = cpuSeconds(n.pids);
      c.verify();
      const signed = load.requests - load.errors;
      if (load.errors > 0) {
        process.stderr.write(
          `bench: load: ${load.errors} of ${load.requests} requests failed; the first: ${load.firstError}\n`,
        );
        throw new Error(`load: ${load.errors} failed requests under load (must be 0); the first: ${load.firstError}`);
      }
      const cores = availableParallelism();
      const cpuBoundRps = cores / cpuPerSign;
      return {
        extra: {
          requests: load.requests,
          failures: load.errors,
          clients,
          durationS: round2(load.elapsedS),
          throughputRps: round2(load.throughputRps),
          loadP50_ms: round2(load.median_ms),
          loadP95_ms: round2(load.p95_ms),
          cores,
          cpuPerSign_ms: round2(cpuPerSign * 1000),
          // of which the bench process: coordinator, database, HTTP and the client (the rest: party processes)
          cpuPerSignCoordinator_ms: round2(ownPerSign * 1000),
          cpuBoundRps: round2(cpuBoundRps),
          ofCpuBound: round2(load.throughputRps / cpuBoundRps),
          // the cores the service actually got during the load phase (less than `cores` on a shared machine),
          // and the CPU per signature under load (above cpuPerSign_ms: overhead of concurrency)
          loadCoresUsed: round2((afterLoad.total - beforeLoad.total) / load.elapsedS),
          loadCpuPerSign_ms: round2(((afterLoad.total - beforeLoad.total) / Math.max(1, signed)) * 1000),
          verified: c.verified(),
        },
      };
    },
    teardown: async () => {
      await net?.stop();
    },
  };
}
