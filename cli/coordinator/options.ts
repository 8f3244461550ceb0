/**
 * `mpc coordinator start` flags, each also read from the environment (the flag wins), and their validation into
 * a {@link CoordinatorConfig} (minus the logger). Everything is checked here, before the command creates a file,
 * a database or a listener: a bad value is a ConfigError (exit 3) whose one line names the flag, the variable
 * and the fix.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { peerIdFromString } from '@libp2p/peer-id';
import type { Argv } from 'yargs';
import { DEFAULT_AUTH_FAILURE_LIMIT } from '../../coordinator/api/auth-failures.js';
import { parseAllowList, parseNetworks } from '../../coordinator/api/ip-allow.js';
import { databaseUrlProblem } from '../../coordinator/db/url.js';
import type { CoordinatorConfig } from '../../coordinator/server.js';
import { MAX_POOL_SECRET_CHARS, MIN_POOL_SECRET_CHARS } from '../../protocols/control/control.js';
import { checkDataDir } from '../../src/runtime/data-dir.js';
import { ConfigError } from '../../src/runtime/errors.js';
import { loadMasterKey, MASTER_KEY_ENV, MASTER_KEY_HOWTO } from '../../src/runtime/master-key.js';
import {
  badSetting,
  boolSetting,
  checkListenAddrs,
  intSetting,
  listSetting,
  masterKeyFile,
  raw,
  SECRET_VARIABLES,
  type Setting,
  settingName,
  splitList,
  withSecretFiles,
} from '../settings.js';

/** The settings of `mpc coordinator start`: flag and environment variable of each. */
export const SETTINGS = {
  port: { flag: 'port', env: 'PORT' },
  host: { flag: 'host', env: 'HOST' },
  listen: { flag: 'listen', env: 'MPC_LISTEN' },
  announce: { flag: 'announce', env: 'MPC_ANNOUNCE' },
  identityFile: { flag: 'identity-file', env: 'MPC_IDENTITY_FILE' },
  poolSecret: { flag: 'pool-secret', env: 'MPC_POOL_SECRET' },
  delegatePoolSecret: { flag: 'delegate-pool-secret', env: 'MPC_DELEGATE_POOL_SECRET' },
  dataDir: { flag: 'data-dir', env: 'MPC_DATA_DIR' },
  databaseUrl: { flag: 'database-url', env: 'DATABASE_URL' },
  allowPeer: { flag: 'allow-peer', env: 'MPC_ALLOWED_PEERS' },
  allowedIps: { flag: 'allowed-ips', env: 'ALLOWED_IPS' },
  trustedProxies: { flag: 'trusted-proxies', env: 'TRUSTED_PROXIES' },
  trustProxy: { flag: 'trust-proxy' },
  signTimeout: { flag: 'sign-timeout' },
  keygenTimeout: { flag: 'keygen-timeout' },
  quorum: { flag: 'quorum' },
  presignPool: { flag: 'presign-pool', env: 'MPC_PRESIGN_POOL' },
  authFailureLimit: { flag: 'auth-failure-limit', env: 'MPC_AUTH_FAILURE_LIMIT' },
  authLockout: { flag: 'auth-lockout', env: 'MPC_AUTH_LOCKOUT_SECONDS' },
  requireMasterKey: { flag: 'require-master-key', env: 'MPC_REQUIRE_MASTER_KEY' },
  allowSharedDir: { flag: 'allow-shared-dir', env: 'MPC_ALLOW_SHARED_DIR' },
} as const satisfies Record<string, Setting>;

/** Defaults of the settings that have one. */
const DEFAULTS = {
  port: 4000,
  host: '127.0.0.1',
  listen: '/ip4/127.0.0.1/tcp/7000',
  dataDir: '.mpc/coordinator',
  signTimeout: 30_000,
  keygenTimeout: 60_000,
  quorum: 3,
  presignPool: 0,
} as const;

/** The flags of `mpc coordinator start` (no defaults here: the environment comes between flag and default). */
export function startOptions(y: Argv) {
  return y
    .option('port', { type: 'number', describe: `REST API port (env PORT; default ${DEFAULTS.port})` })
    .option('host', { type: 'string', describe: `REST API bind address (env HOST; default ${DEFAULTS.host})` })
    .option('listen', {
      type: 'string',
      array: true,
      describe: `libp2p listen multiaddr(s) for the parties (env MPC_LISTEN; default ${DEFAULTS.listen})`,
    })
    .option('announce', {
      type: 'string',
      array: true,
      describe:
        'Multiaddr(s) the parties are told besides the listen addresses, e.g. /dns4/coordinator/tcp/7000 (env MPC_ANNOUNCE, comma-separated)',
    })
    .option('identity-file', {
      type: 'string',
      describe:
        'The libp2p identity key file made by `mpc coordinator identity --out FILE` (env MPC_IDENTITY_FILE; default <data dir>/identity.key, made at first start)',
    })
    .option('data-dir', {
      type: 'string',
      describe: `Identity and embedded database, created 0700 (env MPC_DATA_DIR; default ${DEFAULTS.dataDir})`,
    })
    .option('database-url', {
      type: 'string',
      describe: 'PostgreSQL URL (env DATABASE_URL); without it, an embedded PGlite in the data directory',
    })
    .option('allow-peer', {
      type: 'string',
      array: true,
      describe: 'Party peer id(s) admitted to the p2p network (and env MPC_ALLOWED_PEERS, comma-separated)',
    })
    .option('allowed-ips', {
      type: 'string',
      describe: 'IPs/CIDRs allowed to call /api/* and /metrics (env ALLOWED_IPS, comma-separated; default loopback)',
    })
    .option('trusted-proxies', {
      type: 'string',
      describe:
        'IPs/CIDRs of your reverse proxies: only from them is X-Forwarded-For read, right to left past trusted hops (env TRUSTED_PROXIES; default none)',
    })
    .option('trust-proxy', {
      type: 'boolean',
      describe: 'Removed: it believed X-Forwarded-For from any client; name your proxies with --trusted-proxies',
    })
    .option('api-key-file', {
      type: 'string',
      describe:
        'File with the accepted API key(s), comma- or line-separated (default: env MPC_API_KEY or MPC_API_KEY_FILE)',
    })
    .option('master-key-file', {
      type: 'string',
      describe:
        'File with a 64-hex-char key sealing the identity at rest (default: env CRYPTO_MASTER_KEY_FILE, else CRYPTO_MASTER_KEY)',
    })
    .option('require-master-key', {
      type: 'boolean',
      describe:
        'Refuse to start without a master key, rather than store the identity unsealed (env MPC_REQUIRE_MASTER_KEY)',
    })
    .option('allow-shared-dir', {
      type: 'boolean',
      describe:
        'Start even if group or others may access the data directory, and leave its modes (env MPC_ALLOW_SHARED_DIR)',
    })
    .option('auth-failure-limit', {
      type: 'number',
      describe: `Failed API-key attempts per minute from one address before it gets 429 (env MPC_AUTH_FAILURE_LIMIT; default ${DEFAULT_AUTH_FAILURE_LIMIT.perMinute})`,
    })
    .option('auth-lockout', {
      type: 'number',
      describe: `Seconds such an address stays refused (env MPC_AUTH_LOCKOUT_SECONDS; default ${DEFAULT_AUTH_FAILURE_LIMIT.lockoutSeconds})`,
    })
    .option('sign-timeout', { type: 'number', describe: `ms per signing attempt (default ${DEFAULTS.signTimeout})` })
    .option('keygen-timeout', { type: 'number', describe: `ms per keygen attempt (default ${DEFAULTS.keygenTimeout})` })
    .option('quorum', { type: 'number', describe: `Online parties /health requires (default ${DEFAULTS.quorum})` })
    .option('presign-pool', {
      type: 'number',
      describe: `Presignatures to keep per account (custody server) while idle, so that a signing runs only its online round; 0 = off (env MPC_PRESIGN_POOL; default ${DEFAULTS.presignPool})`,
    })
    .option('log-format', { choices: ['json', 'pretty'] as const, default: 'json' as const })
    .option('log-level', { choices: ['debug', 'info', 'warn', 'error'] as const, default: 'info' as const });
}

/**
 * A pool secret variable (only from the environment or its `_FILE`: a flag would show it in `ps`), checked for
 * the length and alphabet a party can present; the message never echoes it.
 */
function poolSecret(s: Setting, env: NodeJS.ProcessEnv): string | undefined {
  const v = raw(s, undefined, env) as string | undefined;
  if (v === undefined) return undefined;
  if (v.length < MIN_POOL_SECRET_CHARS || v.length > MAX_POOL_SECRET_CHARS || !/^[\x21-\x7e]+$/.test(v))
    throw new ConfigError(
      'BAD_CONFIG',
      `invalid ${s.env}: a pool secret is ${MIN_POOL_SECRET_CHARS}..${MAX_POOL_SECRET_CHARS} printable characters without spaces; make one with \`openssl rand -hex 32\``,
    );
  return v;
}

/** The text of `--api-key-file`; an unreadable file is a configuration error naming it. */
function readApiKeyFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new ConfigError('BAD_API_KEY', `cannot read the API key file ${path} (${code})`);
  }
}

type StartArgs = Awaited<ReturnType<ReturnType<typeof startOptions>['parseAsync']>>;

const HOSTNAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** An IP/CIDR list setting, parsed now so that a bad entry stops the start before anything is made. */
function networks(s: Setting, list: string[], parse: (l: string[]) => unknown): string[] {
  try {
    parse(list);
  } catch (e) {
    throw new ConfigError(
      'BAD_CONFIG',
      `${(e as Error).message} such as 10.0.0.0/8 or 192.168.1.7 (${settingName(s)})`,
    );
  }
  return list;
}

/**
 * Validates every flag and variable into a config, creating nothing; throws {@link ConfigError} (exit 3) naming
 * the first bad setting. `notes` are warnings for the operator (a master key file others may read).
 */
export function toConfig(
  argv: StartArgs,
  processEnv: NodeJS.ProcessEnv = process.env,
): { config: Omit<CoordinatorConfig, 'log'>; notes: readonly string[] } {
  const S = SETTINGS;
  // X_FILE: every secret variable may come from a mounted file instead (the master key file below)
  const env = withSecretFiles(
    processEnv,
    SECRET_VARIABLES.filter((v) => v !== 'CRYPTO_MASTER_KEY'),
  );
  if (argv['trust-proxy'] !== undefined)
    throw new ConfigError(
      'BAD_CONFIG',
      '--trust-proxy was removed: it believed X-Forwarded-For from any client, so any client could pass ALLOWED_IPS; name your reverse proxies instead with --trusted-proxies (env TRUSTED_PROXIES), e.g. --trusted-proxies 10.0.0.5',
    );
  const port = intSetting(S.port, argv.port, env, DEFAULTS.port, 0, 65535);
  const host = String(raw(S.host, argv.host, env) ?? DEFAULTS.host);
  if (isIP(host) === 0 && !HOSTNAME.test(host))
    throw badSetting(S.host, host, 'must be an IP address or a host name, e.g. 127.0.0.1 or 0.0.0.0');
  const listed = listSetting(S.listen, argv.listen, env);
  const listen = checkListenAddrs(S.listen, listed.length > 0 ? listed : [DEFAULTS.listen]);
  const announced = listSetting(S.announce, argv.announce, env);
  const announce = announced.length > 0 ? checkListenAddrs(S.announce, announced) : [];
  const poolSecrets = {
    persistent: poolSecret(S.poolSecret, env),
    delegate: poolSecret(S.delegatePoolSecret, env),
  };
  if (poolSecrets.persistent !== undefined && poolSecrets.persistent === poolSecrets.delegate)
    throw new ConfigError(
      'BAD_CONFIG',
      'MPC_POOL_SECRET and MPC_DELEGATE_POOL_SECRET are the same: each role needs its own secret (a secret fixes the role it admits)',
    );
  const identityFile = raw(S.identityFile, argv['identity-file'], env) as string | undefined;
  if (identityFile !== undefined && !existsSync(identityFile))
    throw new ConfigError(
      'BAD_CONFIG',
      `${settingName(S.identityFile)} ${identityFile} does not exist: make it once with \`mpc coordinator identity --out ${identityFile}\` (it prints the peer id the parties need)`,
    );
  const signTimeoutMs = intSetting(S.signTimeout, argv['sign-timeout'], env, DEFAULTS.signTimeout, 1, 600_000);
  const keygenTimeoutMs = intSetting(S.keygenTimeout, argv['keygen-timeout'], env, DEFAULTS.keygenTimeout, 1, 600_000);
  const quorum = intSetting(S.quorum, argv.quorum, env, DEFAULTS.quorum, 1, 16);
  const presignPool = intSetting(S.presignPool, argv['presign-pool'], env, DEFAULTS.presignPool, 0, 1000);
  const authFailureLimit = {
    perMinute: intSetting(
      S.authFailureLimit,
      argv['auth-failure-limit'],
      env,
      DEFAULT_AUTH_FAILURE_LIMIT.perMinute,
      1,
      100_000,
    ),
    lockoutSeconds: intSetting(
      S.authLockout,
      argv['auth-lockout'],
      env,
      DEFAULT_AUTH_FAILURE_LIMIT.lockoutSeconds,
      1,
      86_400,
    ),
  };
  const allowedIps = networks(S.allowedIps, splitList(argv['allowed-ips'] ?? env.ALLOWED_IPS), parseAllowList);
  const trustedProxies = networks(S.trustedProxies, splitList(argv['trusted-proxies'] ?? env.TRUSTED_PROXIES), (l) =>
    parseNetworks(l, 'TRUSTED_PROXIES'),
  );
  // the flag's peers and the variable's, together (as before: the variable is the deployment's list)
  const allowedPeers = [
    ...(argv['allow-peer'] ?? []).flatMap((p) => splitList(String(p))),
    ...splitList(env.MPC_ALLOWED_PEERS),
  ];
  for (const p of allowedPeers) {
    try {
      peerIdFromString(p);
    } catch {
      throw badSetting(S.allowPeer, p, 'is not a peer id (the 12D3KooW… id `mpc party init` printed)');
    }
  }
  const databaseUrl = raw(S.databaseUrl, argv['database-url'], env) as string | undefined;
  const urlProblem = databaseUrl === undefined ? undefined : databaseUrlProblem(databaseUrl);
  if (urlProblem !== undefined) throw new ConfigError('BAD_CONFIG', `${urlProblem} (--database-url, env DATABASE_URL)`);
  const allowSharedDir = boolSetting(S.allowSharedDir, argv['allow-shared-dir'], env);
  const dataDir = String(raw(S.dataDir, argv['data-dir'], env) ?? DEFAULTS.dataDir);

  const apiKeys = splitList(argv['api-key-file'] ? readApiKeyFile(argv['api-key-file']) : env.MPC_API_KEY);
  if (apiKeys.length === 0)
    throw new ConfigError('NO_API_KEY', 'no API key: set MPC_API_KEY (comma-separated for several) or --api-key-file');
  if (apiKeys.some((k) => k.length < 16))
    throw new ConfigError(
      'BAD_API_KEY',
      'every API key must be at least 16 characters; make one with `openssl rand -hex 24`',
    );
  // Without a master key the identity file is stored unsealed (0600, with a warning at start), unless the
  // operator requires one; when given, the loader checks it and the coordinator gets only a sub-key.
  const keyFile = masterKeyFile(argv['master-key-file'], env);
  const master = keyFile || env[MASTER_KEY_ENV]?.trim() ? loadMasterKey({ env, keyFile }) : undefined;
  if (master === undefined && boolSetting(S.requireMasterKey, argv['require-master-key'], env))
    throw new ConfigError(
      'NO_MASTER_KEY',
      `--require-master-key is set but there is no master key to seal the identity with: set ${MASTER_KEY_ENV} or pass --master-key-file. ${MASTER_KEY_HOWTO}`,
    );
  checkDataDir(dataDir, { allowShared: allowSharedDir });
  const config = {
    port,
    host,
    listen,
    ...(announce.length > 0 ? { announce } : {}),
    ...(identityFile !== undefined ? { identityFile } : {}),
    ...(poolSecrets.persistent !== undefined || poolSecrets.delegate !== undefined
      ? {
          poolSecrets: {
            ...(poolSecrets.persistent !== undefined ? { persistent: poolSecrets.persistent } : {}),
            ...(poolSecrets.delegate !== undefined ? { delegate: poolSecrets.delegate } : {}),
          },
        }
      : {}),
    dataDir,
    ...(databaseUrl ? { databaseUrl } : {}),
    apiKeys,
    ...(allowedIps.length > 0 ? { allowedIps } : {}),
    ...(trustedProxies.length > 0 ? { trustedProxies } : {}),
    allowedPeers,
    ...(master ? { identityKey: master.key.subKey('coordinatorIdentity') } : {}),
    signTimeoutMs,
    keygenTimeoutMs,
    quorum,
    presignPool,
    authFailureLimit,
    allowSharedDir,
  };
  return { config, notes: master?.notes ?? [] };
}
