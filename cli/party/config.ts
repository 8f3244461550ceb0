/**
 * `mpc party start`'s settings validated into a {@link PartyConfig} before anything is created: the data
 * directory (its permissions too), the master key, the coordinator's address, listen addresses, the join
 * token, ports and limits. A bad value is a ConfigError (exit 3) whose one line names the flag and the fix.
 */
import { peerIdFromString } from '@libp2p/peer-id';
import { multiaddr } from '@multiformats/multiaddr';
import { MAX_JOIN_TOKEN_CHARS, MIN_JOIN_TOKEN_CHARS, type PartyRole } from '../../protocols/control/control.js';
import type { PartyConfig } from '../../src/party/run-node.js';
import { checkDataDir } from '../../src/runtime/data-dir.js';
import { ConfigError } from '../../src/runtime/errors.js';
import { loadMasterKey } from '../../src/runtime/master-key.js';
import { boolSetting, checkListenAddrs, intSetting, raw, type Setting, settingName } from '../settings.js';

/** The settings of `mpc party start` that are validated here. */
export const PARTY_SETTINGS = {
  coordinator: { flag: 'coordinator' },
  listen: { flag: 'listen' },
  announce: { flag: 'announce' },
  joinToken: { flag: 'join-token', env: 'MPC_JOIN_TOKEN' },
  metricsPort: { flag: 'metrics-port' },
  maxSessions: { flag: 'max-sessions' },
  roundTimeout: { flag: 'round-timeout' },
  sessionTimeout: { flag: 'session-timeout' },
  pairMaxAge: { flag: 'pair-max-age' },
  allowSharedDir: { flag: 'allow-shared-dir', env: 'MPC_ALLOW_SHARED_DIR' },
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
  coordinator: string;
  listen?: (string | number)[] | undefined;
  announce?: (string | number)[] | undefined;
  'join-token'?: string | undefined;
  role: PartyRole;
  'metrics-port'?: number | undefined;
  'log-format': 'json' | 'pretty';
  'log-level': string;
  'max-sessions'?: number | undefined;
  'round-timeout'?: number | undefined;
  'session-timeout'?: number | undefined;
  'pair-max-age'?: number | undefined;
  'allow-shared-dir'?: boolean | undefined;
}

/** Checks `text` is a multiaddr ending in `/p2p/<peer id>`, as the coordinator prints it at start. */
function checkCoordinatorAddr(text: string): string {
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
  env: NodeJS.ProcessEnv = process.env,
): { config: PartyConfig; allowSharedDir: boolean; notes: readonly string[] } {
  const S = PARTY_SETTINGS;
  const coordinator = checkCoordinatorAddr(argv.coordinator);
  const listenArgs = (argv.listen ?? []).map(String);
  const listen = checkListenAddrs(S.listen, listenArgs.length > 0 ? listenArgs : [PARTY_DEFAULTS.listen]);
  const announceArgs = (argv.announce ?? []).map(String);
  const announce = announceArgs.length > 0 ? checkListenAddrs(S.announce, announceArgs) : [];
  const joinToken = raw(S.joinToken, argv['join-token'], env) as string | undefined;
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
    argv['metrics-port'] === undefined ? undefined : intSetting(S.metricsPort, argv['metrics-port'], env, 0, 0, 65535);
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
  // read and checked now (NO_MASTER_KEY / BAD_MASTER_KEY); the node loads it again when it opens the store
  const { notes } = loadMasterKey({ env, keyFile: argv['master-key-file'] });
  checkDataDir(argv['data-dir'], { allowShared: allowSharedDir });
  const config: PartyConfig = {
    dataDir: argv['data-dir'],
    ...(argv['master-key-file'] ? { masterKeyFile: argv['master-key-file'] } : {}),
    coordinator,
    listen,
    ...(announce.length > 0 ? { announce } : {}),
    role: argv.role,
    ...(metricsPort !== undefined ? { metricsPort } : {}),
    logFormat: argv['log-format'],
    logLevel: argv['log-level'],
    maxSessions,
    roundTimeoutMs,
    totalTimeoutMs,
    pairMaxAgeMs: pairMaxAgeDays * 24 * 60 * 60 * 1000,
    version,
    ...(joinToken ? { joinToken } : {}),
  };
  return { config, allowSharedDir, notes };
}
