/**
 * A whole network on one machine, as a library: a coordinator in this process (embedded PGlite in the data
 * directory) and party processes (`mpc party start`) on 127.0.0.1, talking over real TCP + noise. `mpc dev`
 * (npm start), the sign-api benchmark and the end-to-end tests start it with {@link startDevNetwork}.
 *
 * The parties watch this process (see src/runtime/processes.ts): when it ends, even by SIGKILL, they stop and
 * release their stores. Data, the master key and the API key live in the directory and are kept across starts.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { RunningCoordinator } from '../coordinator/server.js';
import { CodedError } from '../protocols/common/errors.js';
import { loadMasterKey, MASTER_KEY_ENV, type MasterKey } from '../src/runtime/master-key.js';
import { describeExit, type NodeChild, spawnNode } from '../src/runtime/processes.js';
import { mpcProgram } from './self.js';

/** Most parties a dev network runs. */
export const MAX_DEV_PARTIES = 16;
/** Most delegate nodes a dev network runs. */
export const MAX_DEV_DELEGATES = 4;
/** How long the parties may take to register. */
export const DEFAULT_READY_TIMEOUT_MS = 60_000;
/** How long a party may take to stop before it is killed. */
const STOP_GRACE_MS = 10_000;
/** How often registration is checked while starting. */
const READY_POLL_MS = 100;

/** Codes of {@link DevNetworkError}. */
export type DevNetworkErrorCode =
  /** An option is out of range (a caller's bug; `mpc dev` checks its flags first). */
  | 'INVALID_ARGUMENT'
  /** A party process ended before it registered with the coordinator. */
  | 'PARTY_EXITED'
  /** Not every party registered in time. */
  | 'NOT_READY'
  /** A party did not stop cleanly (non-zero exit, or killed after its grace time). */
  | 'STOP_FAILED';

/** A dev network that did not start or stop as it should; the message names the party and quotes its output. */
export class DevNetworkError extends CodedError<DevNetworkErrorCode> {
  override readonly name = 'DevNetworkError';
}

/** A coordinator logger (pino fits). */
export interface DevLog {
  info(o: object, m: string): void;
  warn(o: object, m: string): void;
  error(o: object, m: string): void;
}

/** Options of {@link startDevNetwork}; all but `dir` have defaults. */
export interface DevNetworkOptions {
  /** Data, keys and the embedded database live here (created 0700 if missing). */
  dir: string;
  /** Party processes, 2..16. @default 3 */
  parties?: number;
  /**
   * Delegate node processes (`--role delegate`, named `delegate-1`, …), 0..4: they hold no share of their own and
   * take part in hybrid-custody accounts with the caller's user share. @default 1
   */
  delegates?: number;
  /**
   * The coordinator's p2p listen multiaddrs; the local parties use the first. @default ['/ip4/127.0.0.1/tcp/0']
   */
  p2pListen?: string[];
  /** REST port on 127.0.0.1; 0 takes any free port. @default 4000 */
  port?: number;
  /**
   * Where the master key comes from: `'file'` is `<dir>/master.key` (made on first start, 0600; the parties get
   * `--master-key-file`), `'env'` is `CRYPTO_MASTER_KEY` of `env`. @default 'file'
   */
  masterKey?: 'file' | 'env';
  /** The REST API key. @default the content of `<dir>/api-key` (made on first start, 0600) */
  apiKey?: string;
  /** Environment of the party processes. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** The parties' log level (their logs are pretty-printed). @default 'warn' */
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** The coordinator's logger. @default silent */
  log?: DevLog;
  /** Every line a party prints, with its name (`party-1`, …). @default dropped (kept for error messages) */
  onPartyLine?: (name: string, line: string) => void;
  /** @default DEFAULT_READY_TIMEOUT_MS */
  readyTimeoutMs?: number;
  /** Presignatures the coordinator keeps per account while idle (0 = none). @default 0 (`mpc dev` passes 4) */
  presignPool?: number;
}

/** One party process of the network. */
export interface DevParty {
  /** `party-1`, `party-2`, … */
  name: string;
  peerId: string;
  dataDir: string;
  /** The process (pid, output). */
  process: NodeChild;
}

/** A running dev network. */
export interface DevNetwork {
  /** e.g. `http://127.0.0.1:4000`. */
  apiUrl: string;
  apiKey: string;
  /** The coordinator's libp2p multiaddr (ending in /p2p/<peer id>). */
  p2p: string;
  /** The data directory (absolute). */
  dir: string;
  parties: readonly DevParty[];
  /** The delegate nodes. */
  delegates: readonly DevParty[];
  coordinator: RunningCoordinator;
  /**
   * Stops the parties (SIGTERM, SIGKILL after 10 s), then the coordinator. Rejects with `STOP_FAILED` when a
   * party did not exit with status 0 in time (everything is stopped all the same). Calling it again is a no-op.
   */
  stop(): Promise<void>;
}

const silent: DevLog = { info() {}, warn() {}, error() {} };

/** Reads a secret from `file`, or makes one with `make` and stores it (0600). */
function secretFile(file: string, make: () => string): string {
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const value = make();
  writeFileSync(file, `${value}\n`, { mode: 0o600 });
  return value;
}

/** The party's peer id, making its identity on first start. */
async function partyIdentity(dataDir: string, key: MasterKey): Promise<string> {
  // loaded here so that `mpc --help` does not load libp2p and LevelDB
  const { createIdentity, loadIdentity } = await import('../src/party/identity.js');
  const { ShareStore } = await import('../src/store/share-store.js');
  const store = await ShareStore.open(dataDir, key);
  try {
    if ((await store.getIdentity()) === undefined) return (await createIdentity(store)).peerId;
    return (await loadIdentity(store)).peerId;
  } finally {
    await store.close();
  }
}

/**
 * Starts the network and resolves once every party has registered with the coordinator. On any failure it
 * stops what it started and rejects: a ConfigError for a missing or bad master key, a DevNetworkError naming a
 * party that did not come up (with its last output), the coordinator's error (e.g. EADDRINUSE) otherwise.
 */
export async function startDevNetwork(opts: DevNetworkOptions): Promise<DevNetwork> {
  const n = opts.parties ?? 3;
  if (!Number.isInteger(n) || n < 2 || n > MAX_DEV_PARTIES) {
    throw new DevNetworkError('INVALID_ARGUMENT', `invalid parties ${n}; must be an integer 2..${MAX_DEV_PARTIES}`);
  }
  const d = opts.delegates ?? 1;
  if (!Number.isInteger(d) || d < 0 || d > MAX_DEV_DELEGATES) {
    throw new DevNetworkError('INVALID_ARGUMENT', `invalid delegates ${d}; must be an integer 0..${MAX_DEV_DELEGATES}`);
  }
  const dir = resolve(opts.dir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const env = { ...(opts.env ?? process.env) };
  const keyFile = join(dir, 'master.key');
  let partyKeyArgs: string[] = [];
  if ((opts.masterKey ?? 'file') === 'file') {
    secretFile(keyFile, () => randomBytes(32).toString('hex'));
    // the parties read the file; a key in their environment as well would only earn a warning
    delete env[MASTER_KEY_ENV];
    partyKeyArgs = ['--master-key-file', keyFile];
  }
  const master = loadMasterKey(partyKeyArgs.length > 0 ? { keyFile } : { env });
  const apiKey =
    opts.apiKey ?? secretFile(join(dir, 'api-key'), () => `mpc_dev_${randomBytes(24).toString('base64url')}`);
  const names = Array.from({ length: n }, (_, i) => `party-${i + 1}`);
  const delegateNames = Array.from({ length: d }, (_, i) => `delegate-${i + 1}`);
  const peerIds: string[] = [];
  for (const name of [...names, ...delegateNames]) peerIds.push(await partyIdentity(join(dir, name), master.key));

  const { startCoordinator } = await import('../coordinator/server.js');
  const coordinator = await startCoordinator({
    port: opts.port ?? 4000,
    host: '127.0.0.1',
    listen: opts.p2pListen ?? ['/ip4/127.0.0.1/tcp/0'],
    dataDir: join(dir, 'coordinator'),
    apiKeys: [apiKey],
    allowedPeers: peerIds,
    identityKey: master.key.subKey('coordinatorIdentity'),
    quorum: Math.min(3, n),
    ...(opts.presignPool ? { presignPool: opts.presignPool } : {}),
    log: opts.log ?? silent,
  });
  const p2p = coordinator.multiaddrs[0] as string;
  const program = mpcProgram();
  const all: DevParty[] = [...names, ...delegateNames].map((name, i) => {
    const dataDir = join(dir, name);
    const args = ['party', 'start', '--data-dir', dataDir, '--coordinator', p2p, ...partyKeyArgs];
    // delegates share the parties' master key: a user share sealed by one opens on any of them
    if (i >= n) args.push('--role', 'delegate');
    args.push('--log-format', 'pretty', '--log-level', opts.logLevel ?? 'warn');
    const onLine = opts.onPartyLine;
    const child = spawnNode(program, args, {
      env,
      ...(onLine ? { onLine: (line: string) => line.trim() !== '' && onLine(name, line) } : {}),
    });
    return { name, peerId: peerIds[i] as string, dataDir, process: child };
  });
  const parties = all.slice(0, n);
  const delegates = all.slice(n);

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= stopAll(all, coordinator);
    return stopping;
  };
  try {
    await untilRegistered(all, coordinator, opts.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS);
  } catch (e) {
    await stop().catch(() => {});
    throw e;
  }
  return { apiUrl: coordinator.apiUrl, apiKey, p2p, dir, parties, delegates, coordinator, stop };
}

/** Waits until every party is online at the coordinator; throws when one ends first or time runs out. */
async function untilRegistered(
  parties: readonly DevParty[],
  coordinator: RunningCoordinator,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const waiting = parties.filter((p) => !coordinator.rendezvous.isOnline(p.peerId));
    if (waiting.length === 0) return;
    const ended = parties.find((p) => !p.process.running);
    if (ended !== undefined) {
      const exit = describeExit(await ended.process.exited);
      throw new DevNetworkError(
        'PARTY_EXITED',
        `${ended.name} ended (${exit}) before it registered; its last output:\n${ended.process.tail(20)}`,
      );
    }
    if (Date.now() > deadline) {
      const first = waiting[0] as DevParty;
      throw new DevNetworkError(
        'NOT_READY',
        `${waiting.map((p) => p.name).join(', ')} did not register within ${timeoutMs / 1000} s; ${first.name}'s last output:\n${first.process.tail(20)}`,
      );
    }
    await new Promise((r) => setTimeout(r, READY_POLL_MS));
  }
}

/** Stops every party, then the coordinator; rejects naming the parties that did not stop cleanly. */
async function stopAll(parties: readonly DevParty[], coordinator: RunningCoordinator): Promise<void> {
  const exits = await Promise.all(parties.map((p) => p.process.stop('SIGTERM', STOP_GRACE_MS)));
  await coordinator.stop();
  const bad = parties
    .map((p, i) => ({ p, exit: exits[i] as Awaited<ReturnType<NodeChild['stop']>> }))
    .filter(({ exit }) => exit.killed || exit.code !== 0);
  if (bad.length > 0) {
    const what = bad.map(
      ({ p, exit }) => `${p.name} ${exit.killed ? 'was killed after 10 s' : `ended with ${describeExit(exit)}`}`,
    );
    throw new DevNetworkError('STOP_FAILED', `not every party stopped cleanly: ${what.join('; ')}`);
  }
}
