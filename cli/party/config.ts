/**
 * `mpc party start`'s settings validated into a {@link PartyConfig} before anything is created: the data
 * directory (its permissions too), the master key, the coordinator's address, listen addresses, the join
 * token, ports and limits. A bad value is a ConfigError (exit 3) whose one line names the flag and the fix.
 */

import { isIP } from 'node:net';
import { peerIdFromString } from '@libp2p/peer-id';
import { multiaddr } from '@multiformats/multiaddr';
import {
  MAX_JOIN_TOKEN_CHARS,
  MAX_POOL_SECRET_CHARS,
  MIN_JOIN_TOKEN_CHARS,
  MIN_POOL_SECRET_CHARS,
  type PartyRole,
} from '../../protocols/control/control.js';
import type { PartyConfig } from '../../src/party/run-node.js';
import { checkDataDir } from '../../src/runtime/data-dir.js';
import { ConfigError } from '../../src/runtime/errors.js';
import { loadMasterKey } from '../../src/runtime/master-key.js';
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
  withSecretFiles,
} from '../settings.js';

/** The settings of `mpc party start` that are validated here. */
export const PARTY_SETTINGS = {
  coordinator: { flag: 'coordinator', env: 'MPC_COORDINATOR' },
  role: { flag: 'role', env: 'MPC_ROLE' },
  listen: { flag: 'listen', env: 'MPC_LISTEN' },
  announce: { flag: 'announce', env: 'MPC_ANNOUNCE' },
  joinToken: { flag: 'join-token', env: 'MPC_JOIN_TOKEN' },
  poolSecret: { flag: 'pool-secret-file', env: 'MPC_POOL_SECRET' },
  metricsPort: { flag: 'metrics-port', env: 'MPC_METRICS_PORT' },
  metricsHost: { flag: 'metrics-host', env: 'MPC_METRICS_HOST' },
  maxSessions: { flag: 'max-sessions' },
  roundTimeout: { flag: 'round-timeout' },
  sessionTimeout: { flag: 'session-timeout' },
  pairMaxAge: { flag: 'pair-max-age' },
  allowSharedDir: { flag: 'allow-shared-dir', env: 'MPC_ALLOW_SHARED_DIR' },
  createIdentity: { flag: 'create-identity', env: 'MPC_CREATE_IDENTITY' },
} as const satisfies Record<string, Setting>;

/** Defaults of the numeric settings. */
export const PARTY_DEFAULTS = {
  listen: '/ip4/127.0.0.1/tcp/0',
  maxSessions: 32,
  roundTimeout: 10_000,
  sessionTimeout: 60_000,
  pairMaxAgeDays: 90,
} as const;

/** The parsed flags `mpc party start` passes in. */
export interface PartyStartArgs {
  'data-dir': string;
  'master-key-file'?: string | undefined;
  coordinator?: string | undefined;
  listen?: (string | number)[] | undefined;
  announce?: (string | number)[] | undefined;
  'join-token'?: string | undefined;
  'pool-secret-file'?: string | undefined;
  role?: PartyRole | undefined;
  'metrics-port'?: number | undefined;
  'metrics-host'?: string | undefined;
  'log-format': 'json' | 'pretty';
  'log-level': string;
  'max-sessions'?: number | undefined;
  'round-timeout'?: number | undefined;
  'session-timeout'?: number | undefined;
  'pair-max-age'?: number | undefined;
  'allow-shared-dir'?: boolean | undefined;
  'create-identity'?: boolean | undefined;
}

const ROLES: readonly PartyRole[] = ['persistent', 'delegate', 'external'];

/** Checks `text` is a multiaddr ending in `/p2p/<peer id>`, as the coordinator prints it at start. */
function checkCoordinatorAddr(text: string | undefined): string {
  if (text === undefined)
    throw new ConfigError(
      'BAD_COORDINATOR',
      'no coordinator: give --coordinator or set MPC_COORDINATOR to the multiaddr the coordinator prints at start, ending in /p2p/<peer id>',
    );
  let id: string | undefined;
  try {
    id = multiaddr(text)
      .getComponents()
      .find((c) => c.name === 'p2p')?.value;
    if (id !== undefined) peerIdFromString(id);
  } catch {
    id = undefined;
  }
  if (id === undefined)
    throw new ConfigError(
      'BAD_COORDINATOR',
      `invalid --coordinator '${text}': must be the multiaddr the coordinator prints at start, ending in /p2p/<peer id>`,
    );
  return text;
}

/**
 * Validates every setting of `mpc party start` into a config plus the operator notes of the master key,
 * creating nothing; throws {@link ConfigError} (exit 3) naming the first bad setting.
 */
export function toPartyConfig(
  argv: PartyStartArgs,
  version: string,
  processEnv: NodeJS.ProcessEnv = process.env,
): { config: PartyConfig; allowSharedDir: boolean; notes: readonly string[] } {
  const S = PARTY_SETTINGS;
  // X_FILE: the secret variables may come from mounted files (a pool secret file flag is one more way)
  const poolFile = argv['pool-secret-file'];
  const env = withSecretFiles(
    poolFile ? { ...processEnv, MPC_POOL_SECRET: undefined, MPC_POOL_SECRET_FILE: poolFile } : processEnv,
    SECRET_VARIABLES.filter((v) => v !== 'CRYPTO_MASTER_KEY'),
  );
  const coordinator = checkCoordinatorAddr(raw(S.coordinator, argv.coordinator, env) as string | undefined);
  const role = (raw(S.role, argv.role, env) ?? 'persistent') as PartyRole;
  if (!ROLES.includes(role)) throw badSetting(S.role, role, `must be one of ${ROLES.join(', ')}`);
  const listenArgs = listSetting(S.listen, argv.listen, env);
  const listen = checkListenAddrs(S.listen, listenArgs.length > 0 ? listenArgs : [PARTY_DEFAULTS.listen]);
  const announceArgs = listSetting(S.announce, argv.announce, env);
  const announce = announceArgs.length > 0 ? checkListenAddrs(S.announce, announceArgs) : [];
  const metricsHost = raw(S.metricsHost, argv['metrics-host'], env) as string | undefined;
  if (metricsHost !== undefined && isIP(metricsHost) === 0)
    throw badSetting(S.metricsHost, metricsHost, 'must be an IP address to bind, e.g. 127.0.0.1 or 0.0.0.0');
  const poolSecret = raw(S.poolSecret, undefined, env) as string | undefined;
  if (
    poolSecret !== undefined &&
    (poolSecret.length < MIN_POOL_SECRET_CHARS ||
      poolSecret.length > MAX_POOL_SECRET_CHARS ||
      !/^[\x21-\x7e]+$/.test(poolSecret))
  ) {
    // a secret: say what is wrong with it, never echo it
    throw new ConfigError(
      'BAD_CONFIG',
      `invalid MPC_POOL_SECRET: a pool secret is ${MIN_POOL_SECRET_CHARS}..${MAX_POOL_SECRET_CHARS} printable characters without spaces; make one with \`openssl rand -hex 32\``,
    );
  }
  const joinToken = raw(S.joinToken, argv['join-token'], env) as string | undefined;
  if (joinToken !== undefined && poolSecret !== undefined)
    throw new ConfigError(
      'BAD_CONFIG',
      'both a join token (MPC_JOIN_TOKEN) and a pool secret (MPC_POOL_SECRET) are given: a party is admitted one way; keep one',
    );
  if (
    joinToken !== undefined &&
    (joinToken.length < MIN_JOIN_TOKEN_CHARS ||
      joinToken.length > MAX_JOIN_TOKEN_CHARS ||
      !/^[\x21-\x7e]+$/.test(joinToken))
  ) {
    // the token is a secret: say what is wrong with it, never echo it
    throw new ConfigError(
      'BAD_CONFIG',
      `invalid ${settingName(S.joinToken)}: a join token is ${MIN_JOIN_TOKEN_CHARS}..${MAX_JOIN_TOKEN_CHARS} printable characters (mpcjoin_…), as \`mpc coordinator join-token\` prints it`,
    );
  }
  const metricsPort =
    raw(S.metricsPort, argv['metrics-port'], env) === undefined
      ? undefined
      : intSetting(S.metricsPort, argv['metrics-port'], env, 0, 0, 65535);
  const maxSessions = intSetting(S.maxSessions, argv['max-sessions'], env, PARTY_DEFAULTS.maxSessions, 1, 10_000);
  const roundTimeoutMs = intSetting(
    S.roundTimeout,
    argv['round-timeout'],
    env,
    PARTY_DEFAULTS.roundTimeout,
    1,
    600_000,
  );
  const totalTimeoutMs = intSetting(
    S.sessionTimeout,
    argv['session-timeout'],
    env,
    PARTY_DEFAULTS.sessionTimeout,
    1,
    3_600_000,
  );
  const pairMaxAgeDays = intSetting(S.pairMaxAge, argv['pair-max-age'], env, PARTY_DEFAULTS.pairMaxAgeDays, 1, 3650);
  const allowSharedDir = boolSetting(S.allowSharedDir, argv['allow-shared-dir'], env);
  const createIdentity = boolSetting(S.createIdentity, argv['create-identity'], env);
  // CRYPTO_MASTER_KEY_FILE is the --master-key-file of a container
  const keyFile = masterKeyFile(argv['master-key-file'], env);
  // read and checked now (NO_MASTER_KEY / BAD_MASTER_KEY); the node loads it again when it opens the store
  const { notes } = loadMasterKey({ env, keyFile });
  checkDataDir(argv['data-dir'], { allowShared: allowSharedDir });
  const config: PartyConfig = {
    dataDir: argv['data-dir'],
    ...(keyFile ? { masterKeyFile: keyFile } : {}),
    coordinator,
    listen,
    ...(announce.length > 0 ? { announce } : {}),
    role,
    ...(metricsPort !== undefined ? { metricsPort } : {}),
    ...(metricsHost !== undefined ? { metricsHost } : {}),
    logFormat: argv['log-format'],
    logLevel: argv['log-level'],
    maxSessions,
    roundTimeoutMs,
    totalTimeoutMs,
    pairMaxAgeMs: pairMaxAgeDays * 24 * 60 * 60 * 1000,
    version,
    ...(joinToken ? { joinToken } : {}),
    ...(poolSecret ? { poolSecret } : {}),
    ...(createIdentity ? { createIdentity } : {}),
  };
  return { config, allowSharedDir, notes };
}
