/**
 * `sign-api`: signing latency and throughput through the REST API of a whole local network, started as
 * `npm start` starts it (cli/dev-network.ts: the coordinator with embedded PGlite, here in the bench process,
 * three `mpc party start` processes and one delegate node process, all on 127.0.0.1), so the number includes
 * HTTP, the database, the rendezvous and the party processes — what a client of the custody service sees, beside
 * `sign-net`'s bare protocol-over-libp2p time. `sign-hybrid` is the same set-up and timing with a hybrid-custody
 * account signed with its user share (the delegate node and one persistent party sign; the coordinator first
 * hands the share to the delegate, which opens it for that session).
 *
 * The party processes stop with the bench however it ends (they watch it); `stop` requires each to exit with
 * status 0. `bytes` is what the client sends and receives per request (request and response bodies, headers
 * excluded); the p2p traffic between the processes is not visible from here.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recoverAddress } from 'ethers';
import { startDevNetwork } from '../cli/dev-network.js';
import { type BenchCase, median, percentile, type Row } from './lib/index.js';

/** Concurrent clients of the throughput phase. */
export const SIGN_API_CONCURRENCY = 8;
/** Length of the throughput phase in seconds, unless env `BENCH_API_SECONDS` sets it (for a quick check). */
export const SIGN_API_SECONDS = 20;
/** The budget: the API may add at most this much to `sign-net`'s median (same invocation, same machine). */
export const SIGN_API_MARGIN_MS = 10;

// Startup includes tsx compiling the party CLI and PGlite creating its database; generous for a loaded 2-core machine.
const START_TIMEOUT_MS = 120_000;
// A sign times out in the coordinator well before this; the client limit only catches a hung connection.
const REQUEST_TIMEOUT_MS = 60_000;

/** A running bench network. */
export interface BenchNetwork {
  /** e.g. `http://127.0.0.1:40123`. */
  apiUrl: string;
  apiKey: string;
  /** Its data directory (a fresh temporary directory, removed by `stop`). */
  dir: string;
  /** Process ids of the party and delegate processes (the coordinator runs in this process). */
  pids: number[];
  /** Stops the network and removes `dir`; throws when a party did not stop cleanly (`dir` is removed all the same). */
  stop: () => Promise<void>;
}

/**
 * Starts a network in a fresh temporary directory on a free port, with its own keys (none from the caller's
 * environment) and `size` (default: the dev network's 3 parties and a delegate, no presignature pool), and resolves once
 * every party is online; rejects (after stopping it) when it does not come up.
 */
export async function startBenchNetwork(
  size: { parties?: number; delegates?: number; presignPool?: number } = {},
): Promise<BenchNetwork> {
  const dir = mkdtempSync(join(tmpdir(), 'mpc-bench-api-'));
  const env = { ...process.env };
  delete env.CRYPTO_MASTER_KEY;
  delete env.MPC_API_KEY;
  // An interrupted bench has nothing left to measure: remove the directory and go (the parties follow).
  const onSignal = (signal: NodeJS.Signals) => {
    rmSync(dir, { recursive: true, force: true });
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const cleanup = () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const net = await startDevNetwork({
      dir,
      port: 0,
      env,
      ...size,
      logLevel: 'error',
      log: {
        info() {},
        warn() {},
        error: (o, m) => process.stderr.write(`bench: coordinator: ${m} ${JSON.stringify(o)}\n`),
      },
      readyTimeoutMs: START_TIMEOUT_MS,
    });
    return {
      apiUrl: net.apiUrl,
      apiKey: net.apiKey,
      dir,
      pids: [...net.parties, ...net.delegates].map((p) => p.process.child.pid ?? 0).filter((pid) => pid > 0),
      stop: async () => {
        try {
          await net.stop();
        } finally {
          cleanup();
        }
      },
    };
  } catch (err) {
    cleanup();
    throw err;
  }
}

/** A sign request that got no HTTP answer (refused, reset, timed out): the network is down, not just loaded. */
export class NoAnswerError extends Error {
  override readonly name = 'NoAnswerError';
}

/** One signature to check against the account address, collected while timing and checked afterwards. */
interface Pending {
  hash: string;
  signatureHex: string;
}

/** Which account a REST signing case signs with. */
export type BenchCustody = 'server' | 'hybrid';

/** A 2-of-3 account on a running network, and how to sign with it. */
export interface SignApiClient {
  /** The account's EIP-55 address. */
  address: string;
  /**
   * Requests one signature of a random hash; throws on anything but a 200 with a signature for that hash
   * ({@link NoAnswerError} when there was no HTTP answer at all).
   * Resolves to the request and response body bytes. The signature is checked later by {@link verify}.
   */
  sign: () => Promise<number>;
  /** Checks every signature collected since the last call; throws naming the first that does not recover `address`. */
  verify: () => void;
  /** Number of signatures {@link verify} checked so far. */
  verified: () => number;
  /** Answers so far that said `presigned: true` (a pooled presignature, only the online round). */
  presigned: () => number;
  /** The account's id. */
  accountId: string;
}

/**
 * Connections the client keeps open between requests, as a backend's HTTP client does: the measured time is the
 * service's, not a TCP handshake's. `node:http` rather than `fetch`: on this 2-core machine the client shares the
 * CPU with the service, and undici's `fetch` costs several times more per request.
 */
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/** Sends a JSON POST with the API key; resolves to the status and the response text, rejects on network errors. */
function post(url: string, apiKey: string, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'x-api-key': apiKey },
        timeout: REQUEST_TIMEOUT_MS,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer in ${REQUEST_TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** `0x` + 64 random hex characters: a distinct message hash per request. */
function randomHash(): string {
  return `0x${Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('hex')}`;
}

/**
 * Creates an account (`POST /api/v1/accounts`, a keygen) of `custody` on `net` and returns a client that signs
 * with it; a hybrid account's client sends the user share its creation returned with every request. `op` names
 * the case in errors.
 */
export async function signApiClient(
  net: Pick<BenchNetwork, 'apiUrl' | 'apiKey'>,
  custody: BenchCustody = 'server',
  op = 'sign-api',
): Promise<SignApiClient> {
  const createBody = custody === 'hybrid' ? { userId: 'bench', custody } : { userId: 'bench' };
  const created = await post(`${net.apiUrl}/api/v1/accounts`, net.apiKey, JSON.stringify(createBody));
  if (created.status !== 201) {
    throw new Error(`${op}: creating the account answered ${created.status}: ${created.text.slice(0, 500)}`);
  }
  const account = JSON.parse(created.text) as {
    accountId?: string;
    address?: string | null;
    status?: string;
    userShare?: string;
  };
  if (typeof account.accountId !== 'string' || typeof account.address !== 'string' || account.status !== 'active') {
    throw new Error(`${op}: the new account is not active with an address: ${created.text.slice(0, 500)}`);
  }
  if (custody === 'hybrid' && typeof account.userShare !== 'string') {
    throw new Error(`${op}: the hybrid account came without its user share: ${created.text.slice(0, 500)}`);
  }
  const address = account.address;
  const userShare = custody === 'hybrid' ? { userShare: account.userShare } : {};
  const url = `${net.apiUrl}/api/v1/accounts/${account.accountId}/sign`;
  let pending: Pending[] = [];
  let verified = 0;
  let presigned = 0;
  return {
    address,
    accountId: account.accountId,
    presigned: () => presigned,
    sign: async () => {
      const hash = randomHash();
      const body = JSON.stringify({ messageHash: hash, ...userShare });
      let res: { status: number; text: string };
      try {
        res = await post(url, net.apiKey, body);
      } catch (err) {
        // the request's error names the reason: ECONNREFUSED, a reset, the timeout
        throw new NoAnswerError(`${op}: the sign request got no answer: ${(err as Error).message}`, {
          cause: err,
        });
      }
      if (res.status !== 200) throw new Error(`${op}: sign answered ${res.status}: ${res.text.slice(0, 500)}`);
      const view = JSON.parse(res.text) as { messageHash?: string; signatureHex?: string; presigned?: boolean };
      if (view.presigned === true) presigned++;
      if (view.messageHash?.toLowerCase() !== hash || typeof view.signatureHex !== 'string') {
        throw new Error(`${op}: sign answered 200 without a signature of ${hash}: ${res.text.slice(0, 500)}`);
      }
      // Checked in `verify`, outside the timed request: recovery costs ~1.3 ms of the client's CPU per signature.
      pending.push({ hash, signatureHex: view.signatureHex });
      return Buffer.byteLength(body) + Buffer.byteLength(res.text);
    },
    verify: () => {
      const batch = pending;
      pending = [];
      for (const p of batch) {
        let recovered: string;
        try {
          recovered = recoverAddress(p.hash, p.signatureHex);
        } catch (err) {
          throw new Error(`${op}: unreadable signature ${p.signatureHex} of ${p.hash}: ${(err as Error).message}`);
        }
        if (recovered.toLowerCase() !== address.toLowerCase()) {
          throw new Error(
            `${op}: the signature ${p.signatureHex} of ${p.hash} recovers ${recovered}, not the account address ${address}`,
          );
        }
        verified++;
      }
    },
    verified: () => verified,
  };
}

/** What the throughput phase measured. */
export interface LoadResult {
  /** Requests completed in the phase, successful or not. */
  requests: number;
  errors: number;
  /** Wall time from the first request to the last response, in seconds (the window plus the last requests' tail). */
  elapsedS: number;
  /** Successful requests per second of `elapsedS`. */
  throughputRps: number;
  /** Latency of the successful requests. */
  median_ms: number;
  p95_ms: number;
  /** The first error's message, if any. */
  firstError?: string;
}

/**
 * `concurrency` clients each sign in a loop, a new request as soon as the last one answered, until `seconds`
 * have passed. Requests answered with an error are counted, not thrown: under load they are part of the
 * result. A request without any answer ends the phase with that error, since the clients would otherwise spin
 * on a dead network. The caller checks the collected signatures with {@link SignApiClient.verify} afterwards.
 */
export async function signLoad(client: SignApiClient, concurrency: number, seconds: number): Promise<LoadResult> {
  const times: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  let fatal: { error: NoAnswerError } | undefined;
  const start = performance.now();
  const end = start + seconds * 1000;
  const worker = async () => {
    while (fatal === undefined && performance.now() < end) {
      const t0 = performance.now();
      try {
        await client.sign();
        times.push(performance.now() - t0);
      } catch (err) {
        if (err instanceof NoAnswerError) fatal ??= { error: err };
        errors++;
        firstError ??= (err as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  if (fatal !== undefined) throw fatal.error;
  const elapsedS = (performance.now() - start) / 1000;
  times.sort((a, b) => a - b);
  const result: LoadResult = {
    requests: times.length + errors,
    errors,
    elapsedS,
    throughputRps: times.length / elapsedS,
    median_ms: median(times),
    p95_ms: percentile(times, 0.95),
  };
  if (firstError !== undefined) result.firstError = firstError;
  return result;
}

/** The throughput phase's length: env `BENCH_API_SECONDS` (a positive number) or {@link SIGN_API_SECONDS}. */
export function signApiSeconds(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.BENCH_API_SECONDS;
  if (raw === undefined || raw.trim() === '') return SIGN_API_SECONDS;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new Error(`invalid BENCH_API_SECONDS '${raw}'; must be a positive number of seconds`);
  }
  return seconds;
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

/** The target line: the rule, then the numbers it was judged by, or why it was not judged. */
function targetText(rule: string, medianMs: number, signNetMedianMs: number | undefined): string {
  if (signNetMedianMs === undefined) return `${rule}: not checked, sign-net was not run (add it to --only)`;
  const limit = signNetMedianMs + SIGN_API_MARGIN_MS;
  const verdict = medianMs <= limit ? 'ok' : 'over';
  return `${rule}: ${round2(medianMs)} vs ${round2(signNetMedianMs)} + ${SIGN_API_MARGIN_MS} = ${round2(limit)} ms, ${verdict}`;
}

/** A REST signing case's state, set up by {@link restSignCase}: the network and the account's client. */
interface RestSign {
  /** The client; throws when setup did not finish. */
  client(): SignApiClient;
}

/**
 * The common part of the REST signing cases: setup starts a bench network and creates an account of `custody`;
 * the harness times sequential sign requests (30 untimed warm-ups first: the first signing of a node pair runs
 * its ~2 s pair setup, and the processes start with cold JITs while a running service is warm); teardown stops
 * the network. `more` gives the case's own parts (its `finish`) from the state.
 */
function restSignCase(
  op: string,
  custody: BenchCustody,
  more: (state: RestSign) => Pick<BenchCase, 'finish'>,
  beforeStart: () => void = () => {},
): BenchCase {
  let net: BenchNetwork | undefined;
  let client: SignApiClient | undefined;
  const state: RestSign = {
    client: () => {
      if (client === undefined) throw new Error(`${op}: no client (setup did not finish)`);
      return client;
    },
  };
  return {
    op,
    n: 3,
    t: 2,
    runs: 60,
    warmup: 30,
    setup: async () => {
      beforeStart();
      net = await startBenchNetwork();
      client = await signApiClient(net, custody, op);
    },
    run: async () => ({ bytes: await state.client().sign() }),
    ...more(state),
    teardown: async () => {
      await net?.stop();
    },
  };
}

/**
 * The `sign-api` case ({@link restSignCase}, a server-custody account; the coordinator always picks the same
 * signers); `finish` checks the signatures, runs the throughput phase and sets the target from `sign-net`'s
 * median of the same invocation, when `sign-net` ran before it.
 */
export function signApiCase(): BenchCase {
  let seconds = SIGN_API_SECONDS;
  return restSignCase(
    'sign-api',
    'server',
    (state) => ({
      finish: async (m, earlier: readonly Row[]) => {
        const c = state.client();
        c.verify();
        const load = await signLoad(c, SIGN_API_CONCURRENCY, seconds);
        c.verify();
        if (load.requests - load.errors === 0) {
          throw new Error(`sign-api: every request under load failed; the first: ${load.firstError ?? 'unknown'}`);
        }
        if (load.firstError !== undefined) {
          process.stderr.write(
            `bench: sign-api: ${load.errors} failed requests under load; the first: ${load.firstError}\n`,
          );
        }
        const signNet = earlier.find((r) => r.op === 'sign-net');
        const rule = `median ≤ sign-net median + ${SIGN_API_MARGIN_MS} ms`;
        const target_ms = signNet === undefined ? undefined : signNet.median_ms + SIGN_API_MARGIN_MS;
        return {
          ...(target_ms === undefined ? {} : { target_ms }),
          extra: {
            requests: load.requests,
            throughputRps: round2(load.throughputRps),
            concurrency: SIGN_API_CONCURRENCY,
            durationS: round2(load.elapsedS),
            errors: load.errors,
            loadMedian_ms: round2(load.median_ms),
            loadP95_ms: round2(load.p95_ms),
            verified: c.verified(),
            target: targetText(rule, m.median_ms, signNet?.median_ms),
            signNetMedian_ms: signNet === undefined ? null : round2(signNet.median_ms),
            targetMet: target_ms === undefined ? null : m.median_ms <= target_ms,
          },
        };
      },
    }),
    // read before the network starts, so that a bad value fails only this case, and at once
    () => {
      seconds = signApiSeconds();
    },
  );
}

/**
 * The `sign-hybrid` case ({@link restSignCase}, a hybrid-custody account signed with its user share: the delegate
 * node and one persistent party); `finish` checks the signatures and sets beside its median those of `sign-api`
 * and `sign-net` of the same invocation, when they ran before it. No throughput phase and no target: the issue
 * sets none; what the user share costs is the difference to `sign-api`.
 */
export function signHybridCase(): BenchCase {
  return restSignCase('sign-hybrid', 'hybrid', (state) => ({
    finish: (m, earlier: readonly Row[]) => {
      const c = state.client();
      c.verify();
      const median = (op: string) => earlier.find((r) => r.op === op)?.median_ms;
      const api = median('sign-api');
      const net = median('sign-net');
      return {
        extra: {
          verified: c.verified(),
          signApiMedian_ms: api === undefined ? null : round2(api),
          overSignApi_ms: api === undefined ? null : round2(m.median_ms - api),
          signNetMedian_ms: net === undefined ? null : round2(net),
        },
      };
    },
  }));
}
