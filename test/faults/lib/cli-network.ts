/**
 * A network of `mpc` processes for the fault suite, started the way an operator starts one: `mpc party init`,
 * `mpc coordinator start` (embedded PGlite in its data directory) and `mpc party start` per party, each its own
 * process on 127.0.0.1 with fixed ports, so that any of them can be killed (SIGKILL or SIGTERM) and started again
 * where it was. Every process is a child with a lifeline (src/runtime/processes.ts): none outlives the test.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mpcProgram } from '../../../cli/self.js';
import { freePort, type NodeChild, runNodeSync, spawnNode } from '../../../src/runtime/processes.js';

/** The REST API key of every fault network. */
export const API_KEY = 'fault-suite-api-key-0123456789abcdef';
/** The master key of every party store of a fault network (hex). */
export const MASTER_KEY = 'a5'.repeat(32);

/** One party of the network. */
export interface CliParty {
  readonly name: string;
  readonly dataDir: string;
  readonly peerId: string;
  /** Its fixed libp2p port. */
  readonly port: number;
  /** Flags of its `mpc party start` beyond the network's (a joined party's role and join token). */
  readonly startArgs?: readonly string[];
  /** The running process, when started. */
  proc?: NodeChild;
}

/** What the API answered. */
export interface Answer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: JSON bodies of the API under test are read loosely
  body: any;
  headers: Headers;
}

/** A party as `GET /api/v1/parties` lists it (the fields the suite reads). */
export interface PartyView {
  partyId: string;
  status: string;
  addresses: string[];
}

/** Whether a party is listed with a relayed address (`…/p2p-circuit`): an external party holding its relay slot. */
export const relayed = (v: PartyView): boolean => v.addresses.some((a) => a.includes('/p2p-circuit'));

/** Options of {@link startCliNetwork}. */
export interface CliNetworkOptions {
  /** Party processes. @default 3 */
  parties?: number;
  /** Extra flags of every `mpc party start`. */
  partyArgs?: readonly string[];
  /** Extra flags of `mpc coordinator start`. */
  coordinatorArgs?: readonly string[];
}

const env = (() => {
  const e: NodeJS.ProcessEnv = { ...process.env, CRYPTO_MASTER_KEY: MASTER_KEY, MPC_API_KEY: API_KEY };
  // always the embedded database in the coordinator's data directory: the suite restarts the coordinator on it
  delete e.DATABASE_URL;
  delete e.MPC_ALLOWED_PEERS;
  delete e.ALLOWED_IPS;
  return e;
})();

/** A network of `mpc` processes; see the module comment. */
export class CliNetwork {
  coordinator?: NodeChild;
  /** Parties started by {@link joinParty}. */
  readonly joined: CliParty[] = [];

  private constructor(
    readonly dir: string,
    readonly parties: CliParty[],
    readonly apiPort: number,
    readonly p2pPort: number,
    private readonly coordinatorPeerId: { id?: string },
    private readonly opts: CliNetworkOptions,
  ) {}

  /** Initialises the parties' stores (`mpc party init`) and picks the ports; starts nothing. */
  static async create(opts: CliNetworkOptions = {}): Promise<CliNetwork> {
    const dir = mkdtempSync(join(tmpdir(), 'mpc-faults-'));
    const parties: CliParty[] = [];
    for (let i = 1; i <= (opts.parties ?? 3); i++) {
      const dataDir = join(dir, `party-${i}`);
      const r = runNodeSync(mpcProgram(), ['party', 'init', '--data-dir', dataDir], env);
      if (r.status !== 0) throw new Error(`mpc party init failed: ${r.stderr}`);
      parties.push({ name: `party-${i}`, dataDir, peerId: r.stdout.trim(), port: await freePort() });
    }
    return new CliNetwork(dir, parties, await freePort(), await freePort(), {}, opts);
  }

  /** Creates the network and starts the coordinator and every party; resolves once all are online. */
  static async start(opts: CliNetworkOptions = {}): Promise<CliNetwork> {
    const net = await CliNetwork.create(opts);
    try {
      await net.startCoordinator();
      for (const p of net.parties) net.startParty(p);
      await net.untilOnline(net.parties, 60_000);
      return net;
    } catch (e) {
      await net.stop();
      throw e;
    }
  }

  /** `http://127.0.0.1:<port>`. */
  get apiUrl(): string {
    return `http://127.0.0.1:${this.apiPort}`;
  }

  /** The coordinator's p2p multiaddr (known once it started the first time). */
  get coordinatorAddr(): string {
    const id = this.coordinatorPeerId.id;
    if (!id) throw new Error('the coordinator has not started yet');
    return `/ip4/127.0.0.1/tcp/${this.p2pPort}/p2p/${id}`;
  }

  /** Starts `mpc coordinator start` and resolves once its API answers. */
  async startCoordinator(): Promise<NodeChild> {
    const args = ['coordinator', 'start', '--port', String(this.apiPort)];
    args.push('--listen', `/ip4/127.0.0.1/tcp/${this.p2pPort}`, '--data-dir', join(this.dir, 'coordinator'));
    args.push('--allow-peer', ...this.parties.map((p) => p.peerId), '--log-level', 'info');
    args.push(...(this.opts.coordinatorArgs ?? []));
    const proc = spawnNode(mpcProgram(), args, { env });
    this.coordinator = proc;
    const m = await proc.waitFor(/coordinator p2p: (\S+)/, 120_000);
    this.coordinatorPeerId.id = /\/p2p\/(\S+)$/.exec(m[1] as string)?.[1];
    return proc;
  }

  /**
   * Starts `mpc party start` for `p` on its fixed port, or on any free port (as a party started with the default
   * `--listen` restarts); does not wait for it to register.
   */
  startParty(p: CliParty, opts: { anyPort?: boolean } = {}): NodeChild {
    const args = ['party', 'start', '--data-dir', p.dataDir, '--coordinator', this.coordinatorAddr];
    args.push(
      '--listen',
      `/ip4/127.0.0.1/tcp/${opts.anyPort ? 0 : p.port}`,
      '--log-level',
      'info',
      ...(this.opts.partyArgs ?? []),
      ...(p.startArgs ?? []),
    );
    p.proc = spawnNode(mpcProgram(), args, { env });
    return p.proc;
  }

  /**
   * Initialises one more party and starts it with a join token of `role` (an external party comes from outside:
   * the coordinator's --allow-peer list does not name it, the token admits it and fixes its role); resolves once
   * it is online — for an external party, online with its relayed address (it registers once it holds its relay
   * slot, so it is never listed without). It is not in {@link parties}; {@link stop} stops it all the same.
   */
  async joinParty(role: 'external' | 'delegate', name = `${role}-${this.joined.length + 1}`): Promise<CliParty> {
    const dataDir = join(this.dir, name);
    const init = runNodeSync(mpcProgram(), ['party', 'init', '--data-dir', dataDir], env);
    if (init.status !== 0) throw new Error(`mpc party init failed: ${init.stderr}`);
    const token = await this.api('POST', '/api/v1/join-tokens', { role });
    if (token.status !== 201) throw new Error(`POST /api/v1/join-tokens answered ${token.status}`);
    const startArgs = ['--role', role, '--join-token', String(token.body.token)];
    const p: CliParty = { name, dataDir, peerId: init.stdout.trim(), port: await freePort(), startArgs };
    this.joined.push(p);
    this.startParty(p);
    await this.untilOnline([p], 60_000, role === 'external' ? relayed : undefined);
    return p;
  }

  /** Runs one `mpc` command to its end with the network's environment (operational errors of the CLI). */
  runMpc(args: readonly string[]) {
    return runNodeSync(mpcProgram(), args, env);
  }

  /** Sends `signal` to `p` and waits for it to end (SIGKILL after `graceMs`). */
  async stopParty(p: CliParty, signal: NodeJS.Signals, graceMs = 15_000) {
    return p.proc ? p.proc.stop(signal, graceMs) : undefined;
  }

  /** Calls the REST API (never throws for an HTTP status; throws when there is no answer at all). */
  async api(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
    const res = await fetch(`${this.apiUrl}${path}`, {
      method,
      headers: { 'x-api-key': API_KEY, 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(120_000),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: kept as text
    }
    return { status: res.status, body: parsed, headers: res.headers };
  }

  /** The coordinator's view of the parties (`GET /api/v1/parties`). */
  async partyViews(): Promise<PartyView[]> {
    const r = await this.api('GET', '/api/v1/parties');
    if (r.status !== 200) throw new Error(`GET /api/v1/parties answered ${r.status}`);
    return r.body.parties;
  }

  /**
   * Resolves once every one of `parties` is online at the coordinator (and its view passes `also`, when given);
   * rejects after `timeoutMs`.
   */
  async untilOnline(
    parties: readonly CliParty[],
    timeoutMs: number,
    also: (view: PartyView) => boolean = () => true,
  ): Promise<number> {
    const started = Date.now();
    for (;;) {
      try {
        const views = await this.partyViews();
        if (parties.every((p) => views.some((v) => v.partyId === p.peerId && v.status === 'online' && also(v)))) {
          return Date.now() - started;
        }
      } catch {
        // the API is not up yet
      }
      if (Date.now() - started > timeoutMs) {
        const tails = parties.map((p) => `${p.name}:\n${p.proc?.tail(15) ?? '(not started)'}`).join('\n');
        throw new Error(
          `parties not online within ${timeoutMs} ms\n${tails}\ncoordinator:\n${this.coordinator?.tail(15)}`,
        );
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Stops every process (SIGKILL: a test that needs a clean stop does it itself) and removes the directory. */
  async stop(): Promise<void> {
    await Promise.all([
      ...[...this.parties, ...this.joined].map((p) => p.proc?.stop('SIGKILL', 5_000)),
      this.coordinator?.stop('SIGKILL', 5_000),
    ]);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
