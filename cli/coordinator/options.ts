/**
 * `mpc coordinator start` flags, each also read from the environment, and their validation into a
 * {@link CoordinatorConfig} (minus the logger).
 */
import { readFileSync } from 'node:fs';
import type { Argv } from 'yargs';
import type { CoordinatorConfig } from '../../coordinator/server.js';
import { ConfigError } from '../../src/runtime/errors.js';
import { loadMasterKey, MASTER_KEY_ENV } from '../../src/runtime/master-key.js';
import { UsageError } from '../failure.js';

/** Splits a comma- or whitespace-separated list, dropping empties. */
export function splitList(v: string | undefined): string[] {
  return (v ?? '').split(/[\s,]+/).filter((s) => s.length > 0);
}

/** The flags of `mpc coordinator start`. */
export function startOptions(y: Argv) {
  return y
    .option('port', { type: 'number', describe: 'REST API port (env PORT)', default: numberEnv('PORT', 4000) })
    .option('host', {
      type: 'string',
      describe: 'REST API bind address (env HOST)',
      default: process.env.HOST ?? '127.0.0.1',
    })
    .option('listen', {
      type: 'string',
      array: true,
      describe: 'libp2p listen multiaddr(s) for the parties (env MPC_LISTEN)',
      default: splitList(process.env.MPC_LISTEN ?? '/ip4/127.0.0.1/tcp/7000'),
    })
    .option('data-dir', {
      type: 'string',
      describe: 'Identity and embedded database (env MPC_DATA_DIR)',
      default: process.env.MPC_DATA_DIR ?? '.mpc/coordinator',
    })
    .option('database-url', {
      type: 'string',
      describe: 'PostgreSQL URL (env DATABASE_URL); without it, an embedded PGlite in the data directory',
    })
    .option('allow-peer', {
      type: 'string',
      array: true,
      describe: 'Party peer id(s) admitted to the p2p network (env MPC_ALLOWED_PEERS, comma-separated)',
      default: [] as string[],
    })
    .option('allowed-ips', {
      type: 'string',
      describe: 'IPs/CIDRs allowed to call /api/* (env ALLOWED_IPS, comma-separated; default loopback)',
    })
    .option('api-key-file', {
      type: 'string',
      describe: 'File with the accepted API key(s), comma- or line-separated (default: env MPC_API_KEY)',
    })
    .option('master-key-file', {
      type: 'string',
      describe: 'File with a 64-hex-char key sealing the identity at rest (default: env CRYPTO_MASTER_KEY)',
    })
    .option('sign-timeout', { type: 'number', default: 30_000, describe: 'ms per signing attempt' })
    .option('keygen-timeout', { type: 'number', default: 60_000, describe: 'ms per keygen attempt' })
    .option('quorum', { type: 'number', default: 3, describe: 'Online parties /health requires' })
    .option('trust-proxy', { type: 'boolean', default: false, describe: 'Take the client IP from X-Forwarded-For' })
    .option('log-format', { choices: ['json', 'pretty'] as const, default: 'json' as const })
    .option('log-level', { choices: ['debug', 'info', 'warn', 'error'] as const, default: 'info' as const });
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

function numberEnv(name: string, fallback: number): number {
  const v = process.env[name];
  return v === undefined || v === '' ? fallback : Number(v);
}

type StartArgs = Awaited<ReturnType<ReturnType<typeof startOptions>['parseAsync']>>;

/**
 * Validates the parsed flags (and environment) into a config; throws a {@link UsageError} naming a bad flag, a
 * {@link ConfigError} for missing or bad keys. `notes` are warnings for the operator (e.g. a master key file
 * others may read).
 */
export function toConfig(
  argv: StartArgs,
  env = process.env,
): { config: Omit<CoordinatorConfig, 'log'>; notes: readonly string[] } {
  for (const [name, v, min, max] of [
    ['port', argv.port, 0, 65535],
    ['sign-timeout', argv['sign-timeout'], 1, 600_000],
    ['keygen-timeout', argv['keygen-timeout'], 1, 600_000],
    ['quorum', argv.quorum, 1, 16],
  ] as const) {
    if (!Number.isInteger(v) || v < min || v > max)
      throw new UsageError(`invalid --${name} ${v}; must be an integer ${min}..${max}`);
  }
  const apiKeys = splitList(argv['api-key-file'] ? readApiKeyFile(argv['api-key-file']) : env.MPC_API_KEY);
  if (apiKeys.length === 0)
    throw new ConfigError('NO_API_KEY', 'no API key: set MPC_API_KEY (comma-separated for several) or --api-key-file');
  const short = apiKeys.find((k) => k.length < 16);
  if (short !== undefined)
    throw new ConfigError(
      'BAD_API_KEY',
      'every API key must be at least 16 characters; make one with `openssl rand -hex 24`',
    );
  const allowedIps = splitList(argv['allowed-ips'] ?? env.ALLOWED_IPS);
  const databaseUrl = argv['database-url'] ?? env.DATABASE_URL;
  // the master key is optional here (without it the identity file is stored unsealed, with a warning); when
  // given, the party's loader checks it and the coordinator gets only a sub-key
  const keyFile = argv['master-key-file'];
  const master = keyFile || env[MASTER_KEY_ENV]?.trim() ? loadMasterKey({ env, keyFile }) : undefined;
  const config = {
    port: argv.port,
    host: argv.host,
    listen: argv.listen.map(String),
    dataDir: argv['data-dir'],
    ...(databaseUrl ? { databaseUrl } : {}),
    apiKeys,
    ...(allowedIps.length > 0 ? { allowedIps } : {}),
    allowedPeers: [...argv['allow-peer'].map(String), ...splitList(env.MPC_ALLOWED_PEERS)],
    ...(master ? { identityKey: master.key.subKey('coordinatorIdentity') } : {}),
    signTimeoutMs: argv['sign-timeout'],
    keygenTimeoutMs: argv['keygen-timeout'],
    quorum: argv.quorum,
    trustProxy: argv['trust-proxy'],
  };
  return { config, notes: master?.notes ?? [] };
}
