/**
 * Starts the whole coordinator: database (PostgreSQL, or embedded PGlite in the data directory), identity,
 * rendezvous libp2p host, orchestration and the REST API; {@link RunningCoordinator.stop} ends them in reverse.
 */
import type { KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { generateKeyPair } from '@libp2p/crypto/keys';
import type { PrivateKey } from '@libp2p/interface';
import { checkDataDir, secureDataDir } from '../src/runtime/data-dir.js';
import type { Log } from '../src/runtime/logger.js';
import { createApi, listen } from './api/app.js';
import type { AuthFailureLimit } from './api/auth-failures.js';
import { parseAllowList, parseNetworks } from './api/ip-allow.js';
import { CoordinatorMetrics } from './api/metrics.js';
import { openDatabase } from './db/database.js';
import { KeyUseCounter } from './db/key-use-counter.js';
import { CoordinatorError } from './errors.js';
import { loadCoordinatorIdentity, readIdentityFile } from './identity.js';
import { bannedPairs } from './orchestration/banned-pairs.js';
import { Orchestrator } from './orchestration/orchestrator.js';
import { JoinTokens } from './p2p/join-tokens.js';
import { type PoolSecretConfig, PoolSecrets } from './p2p/pool-secrets.js';
import { Rendezvous } from './p2p/rendezvous.js';

/** A stop step slower than this is logged. */
const SLOW_STOP_STEP_MS = 500;

/** Default drain deadline of a stopping coordinator: running sessions finish or are cancelled within it. */
export const DEFAULT_DRAIN_MS = 10_000;

/** Everything the coordinator needs; the CLI builds it from flags and environment. */
export interface CoordinatorConfig {
  /** REST port (0 = any free port). @default 4000 */
  port: number;
  /** REST bind address. @default '127.0.0.1' */
  host: string;
  /** libp2p listen multiaddrs. @default ['/ip4/127.0.0.1/tcp/7000'] */
  listen: string[];
  /** Addresses advertised to the parties besides the listen addresses (e.g. `/dns4/<service>/tcp/7000`). */
  announce?: string[];
  /**
   * The identity key file (`mpc coordinator identity --out FILE`), used instead of `<dataDir>/identity.key`;
   * it must exist: the peer id the parties are configured with comes from it.
   */
  identityFile?: string;
  /** Pool secrets admitting any party that presents one, with the role it is for (p2p/pool-secrets.ts). */
  poolSecrets?: PoolSecretConfig;
  /** Identity and embedded database live here; undefined = ephemeral identity and in-memory database (tests). */
  dataDir?: string;
  /** PostgreSQL URL; undefined = embedded PGlite. */
  databaseUrl?: string;
  /** Accepted `X-API-Key` values (at least one). */
  apiKeys: string[];
  /** IPs/CIDRs allowed to call `/api/*`. @default loopback */
  allowedIps?: string[];
  /** Peer ids admitted to the p2p network from the start. */
  allowedPeers: string[];
  /** AES-256 key sealing the identity file at rest (the CLI derives it from the master key). */
  identityKey?: KeyObject;
  /** Deadlines of session attempts. */
  keygenTimeoutMs?: number;
  signTimeoutMs?: number;
  /** Parties `/health` wants online. */
  quorum?: number;
  /** Presignatures to keep per account while idle (orchestration/presign-pool.ts). @default 0 (off) */
  presignPool?: number;
  /** IPs/CIDRs of reverse proxies whose `X-Forwarded-For` is read (see api/client-address.ts). @default none */
  trustedProxies?: string[];
  /** Failed API-key attempts per minute and address before a lockout (429). @default DEFAULT_AUTH_FAILURE_LIMIT */
  authFailureLimit?: AuthFailureLimit;
  /** Accept a data directory group or others may access, and leave its modes alone. @default false */
  allowSharedDir?: boolean;
  /**
   * On stop, how long running keygens and signings may take to finish before they are cancelled (their outcome
   * recorded either way); the database closes after. @default DEFAULT_DRAIN_MS
   */
  drainMs?: number;
  log: Log;
}

/** A running coordinator. */
export interface RunningCoordinator {
  /** e.g. `http://127.0.0.1:4000`. */
  apiUrl: string;
  /** libp2p multiaddrs with `/p2p/<peer id>`. */
  multiaddrs: string[];
  peerId: string;
  rendezvous: Rendezvous;
  orchestrator: Orchestrator;
  stop(): Promise<void>;
}

/** Starts the coordinator; on a failure part-way, closes what was opened and rethrows. */
export async function startCoordinator(config: CoordinatorConfig): Promise<RunningCoordinator> {
  const { log } = config;
  const cleanup: (() => Promise<void>)[] = [];
  const unwind = async () => {
    for (const c of cleanup.reverse()) {
      const t0 = performance.now();
      await c().catch((e) => log.warn({ error: String(e) }, 'error while stopping'));
      const ms = Math.round(performance.now() - t0);
      // a slow step of a stop is worth knowing (the whole stop should take seconds)
      if (ms > SLOW_STOP_STEP_MS) log.info({ step: c.name || 'anonymous', ms }, 'slow stop step');
    }
  };
  // Everything that can be wrong with the configuration is found before anything is created.
  if (config.apiKeys.length === 0) throw new Error('no API key configured; set MPC_API_KEY');
  parseAllowList(config.allowedIps ?? []);
  parseNetworks(config.trustedProxies ?? [], 'TRUSTED_PROXIES');
  const dirPolicy = { allowShared: config.allowSharedDir ?? false };
  if (config.dataDir) checkDataDir(config.dataDir, dirPolicy);
  try {
    if (config.dataDir) secureDataDir(config.dataDir, dirPolicy);
    const privateKey: PrivateKey = config.identityFile
      ? await loadIdentityFile(config.identityFile, config.identityKey, log)
      : config.dataDir
        ? await loadIdentity(config.dataDir, config.identityKey, log)
        : await generateKeyPair('Ed25519');
    const db = await openDatabase({
      ...(config.databaseUrl ? { url: config.databaseUrl } : {}),
      ...(config.dataDir && !config.databaseUrl ? { dataDir: join(config.dataDir, 'pgdata') } : {}),
    });
    cleanup.push(function closeDatabase() {
      return db.close();
    });
    // the embedded database's files were made under the process umask: take group and other access off them
    if (config.dataDir) secureDataDir(config.dataDir, dirPolicy);
    const repos = db.repos;
    await repos.parties.allOffline();
    // the previous process's unfinished work: failed (recorded), its claims released, its keygens' shares discarded
    const recovered = await repos.recovery.failUnfinished();
    if (recovered.sessions + recovered.accounts.length + recovered.idempotencyClaims > 0) {
      log.warn(
        {
          sessions: recovered.sessions,
          accounts: recovered.accounts.length,
          idempotencyClaims: recovered.idempotencyClaims,
        },
        'failed the sessions and accounts a previous coordinator process left unfinished',
      );
    }
    // a revoked party is cut off by the rendezvous, which exists by the time the operator can revoke one
    const joinTokens = new JoinTokens(repos.joinTokens, repos.parties, (id) => rendezvous.revoke(id));
    cleanup.push(async function stopJoinTokens() {
      joinTokens.stop();
    });
    await joinTokens.refresh();
    for (const p of config.allowedPeers) await repos.parties.admit(p, 'config');
    const revoked = await repos.parties.revoked();
    for (const p of config.allowedPeers.filter((id) => revoked.includes(id)))
      log.warn({ party: p }, 'a configured peer was revoked and stays refused; remove it from --allow-peer');
    const admitted = [...config.allowedPeers, ...(await repos.parties.admittedByToken())];
    const keyUse = new KeyUseCounter(repos.apiKeys, (e) =>
      log.warn({ error: String(e) }, 'could not record API key use'),
    );
    cleanup.push(function closeKeyUse() {
      return keyUse.close();
    });
    const metrics = new CoordinatorMetrics();
    let orchestrator: Orchestrator | undefined;
    const rendezvousRef: { current?: Rendezvous } = {};
    const presenceWrites: { chain: Promise<void> } = { chain: Promise.resolve() };
    const pool = new PoolSecrets(config.poolSecrets ?? {}, repos.parties);
    const rendezvous = await Rendezvous.start({
      privateKey,
      listen: config.listen,
      ...(config.announce && config.announce.length > 0 ? { announce: config.announce } : {}),
      admitted,
      fixedRoles: await repos.parties.fixedRoles(),
      revoked,
      redeemToken: (token, partyId) => joinTokens.redeem(token, partyId),
      tokensOutstanding: () => pool.configured || joinTokens.outstanding(),
      admitByPool: (secret, partyId) => pool.admit(secret, partyId),
      onPresence: (p) => {
        if (!p.online) orchestrator?.partyOffline(p.partyId);
        else orchestrator?.partyOnline(p.partyId);
        metrics.bannedPairs(bannedPairs(rendezvousRef.current?.presence() ?? [p]).length);
        presenceWrites.chain = presenceWrites.chain
          .then(() =>
            p.online
              ? repos.parties.registered({
                  partyId: p.partyId,
                  role: p.role,
                  version: p.version,
                  addresses: p.addresses,
                })
              : repos.parties.offline(p.partyId),
          )
          .catch((e) => log.warn({ party: p.partyId, error: String(e) }, 'could not record presence'));
      },
      onResult: (partyId, result) =>
        orchestrator
          ? orchestrator.handleResult(partyId, result)
          : { ok: false, code: 'STARTING', message: 'the coordinator is starting' },
      // starting: no key is settled yet as far as the party can tell, so it keeps its shares and asks again later
      keyFates: (partyId, keyIds) => orchestrator?.keyFates(partyId, keyIds) ?? Promise.resolve([]),
      log,
    });
    rendezvousRef.current = rendezvous;
    cleanup.push(async function stopRendezvous() {
      await rendezvous.stop();
      await presenceWrites.chain;
    });
    orchestrator = new Orchestrator({
      network: rendezvous,
      repos,
      joinTokens,
      signingKey: privateKey.raw.subarray(0, 32),
      metrics,
      log,
      ...(config.keygenTimeoutMs ? { keygenTimeoutMs: config.keygenTimeoutMs } : {}),
      ...(config.signTimeoutMs ? { signTimeoutMs: config.signTimeoutMs } : {}),
      ...(config.quorum ? { quorum: config.quorum } : {}),
      ...(config.presignPool ? { presignPool: config.presignPool } : {}),
    });
    orchestrator.abandonKeygens(recovered.accounts);
    const app = createApi({
      service: orchestrator,
      apiKeys: config.apiKeys,
      ...(config.allowedIps ? { allowedIps: config.allowedIps } : {}),
      idempotency: repos.idempotency,
      apiKeyUse: keyUse,
      metrics,
      log,
      ...(config.trustedProxies ? { trustedProxies: config.trustedProxies } : {}),
      ...(config.authFailureLimit ? { authFailureLimit: config.authFailureLimit } : {}),
      draining: () => orchestrator?.isDraining === true,
    });
    const http = await listen(app, config.port, config.host);
    cleanup.push(function closeHttp() {
      return http.close(1_000);
    });
    // first on stop: new work gets 503 with Connection: close, running sessions finish (or are cancelled and
    // recorded) before the HTTP server, the p2p host and the database close
    cleanup.push(async function drain() {
      const { finished } = await (orchestrator as Orchestrator).drain(config.drainMs ?? DEFAULT_DRAIN_MS);
      log.info({ finished }, 'coordinator drained');
    });
    log.info({ api: http.url, p2p: rendezvous.multiaddrs, embeddedDatabase: db.embedded }, 'coordinator started');
    // parties that knew the previous process come back at once when reached (they register on connect)
    void repos.parties
      .list()
      .then((known) => rendezvous.dialKnown(known))
      .catch((e) => log.warn({ error: String(e) }, 'could not list the known parties'));
    return {
      apiUrl: http.url,
      multiaddrs: rendezvous.multiaddrs,
      peerId: rendezvous.peerId,
      rendezvous,
      orchestrator,
      stop: unwind,
    };
  } catch (e) {
    await unwind();
    throw e;
  }
}

async function loadIdentity(dataDir: string, identityKey: KeyObject | undefined, log: Log) {
  const { key, created, sealed } = await loadCoordinatorIdentity(dataDir, identityKey);
  if (created) log.info({ dataDir }, 'created a new coordinator identity');
  if (!sealed)
    log.warn({ dataDir }, 'the coordinator identity is stored unsealed (0600); set CRYPTO_MASTER_KEY to seal it');
  return key;
}

async function loadIdentityFile(path: string, identityKey: KeyObject | undefined, log: Log) {
  const found = await readIdentityFile(path, identityKey);
  if (!found)
    throw new CoordinatorError(
      'UNAVAILABLE',
      `the identity file ${path} does not exist; make it once with \`mpc coordinator identity --out ${path}\``,
    );
  if (!found.sealed)
    log.warn({ identityFile: path }, 'the coordinator identity file is unsealed; set CRYPTO_MASTER_KEY to seal it');
  return found.key;
}
