/** `mpc coordinator start|join-token|revoke-party`. */
import type { Argv } from 'yargs';
import { type ApiErrorCode, CoordinatorError, HTTP_STATUS } from '../../coordinator/errors.js';
import { ConfigError } from '../../src/runtime/errors.js';
import { createLogger } from '../../src/runtime/logger.js';
import { withSecretFiles } from '../settings.js';
import { untilSignal } from '../signals.js';
import { coordinatorBackupCommands } from './backup.js';
import { identityCommand } from './identity.js';
import { startOptions, toConfig } from './options.js';

/** The coordinator's error answer as a {@link CoordinatorError} (an unknown code becomes `INTERNAL`). */
function answerError(status: number, body: { error?: { code?: string; message?: string } }): CoordinatorError {
  const code = body.error?.code;
  const known = code !== undefined && Object.hasOwn(HTTP_STATUS, code) ? (code as ApiErrorCode) : 'INTERNAL';
  return new CoordinatorError(
    known,
    `the coordinator answered ${status}: ${body.error?.message ?? 'no error message'}`,
  );
}

/**
 * Calls the coordinator's REST API with the first key of MPC_API_KEY; the parsed JSON answer, or a
 * CoordinatorError naming what went wrong (unreachable, or the coordinator's own error).
 */
async function callApi(apiUrl: string, method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const key = withSecretFiles(process.env, ['MPC_API_KEY']).MPC_API_KEY?.split(',')[0]?.trim();
  if (!key)
    throw new ConfigError('NO_API_KEY', 'set MPC_API_KEY (or MPC_API_KEY_FILE) to one of the coordinator API keys');
  let res: Response;
  try {
    res = await fetch(`${apiUrl}${path}`, {
      method,
      headers: { 'content-type': 'application/json', 'x-api-key': key },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (e) {
    // fetch says only "fetch failed"; the reason (ECONNREFUSED, …) is its cause
    const reason = ((e as Error).cause as Error | undefined)?.message ?? (e as Error).message;
    throw new CoordinatorError(
      'UNAVAILABLE',
      `cannot reach the coordinator at ${apiUrl} (${reason}); is it running? (--api-url, MPC_API_URL)`,
    );
  }
  const answer = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (!res.ok) throw answerError(res.status, answer);
  return answer;
}

/** The `--api-url` flag of the commands that call the coordinator's REST API. */
function apiUrlOption<T>(y: Argv<T>) {
  return y.option('api-url', {
    type: 'string',
    default: process.env.MPC_API_URL ?? 'http://127.0.0.1:4000',
    describe: 'Coordinator API (env MPC_API_URL); the API key comes from env MPC_API_KEY',
  });
}

/** Registers the `coordinator` command group. */
export function coordinatorCommands<T>(y: Argv<T>): Argv<T> {
  return y.command(
    'coordinator',
    'Run the coordinator (REST API, rendezvous, PostgreSQL), make its identity, admit parties with join tokens, revoke parties, back it up and restore it',
    (c) =>
      coordinatorBackupCommands(identityCommand(c))
        .command(
          'start',
          'Start the coordinator; prints its API URL and the libp2p multiaddr parties are pointed at',
          startOptions,
          async (argv) => {
            const { config, notes } = toConfig(argv);
            for (const n of notes) console.error(`note: ${n}`);
            // files the database and the identity loader make from now on are the node's alone
            if (!config.allowSharedDir) process.umask(0o077);
            const log = createLogger({
              level: argv['log-level'],
              pretty: argv['log-format'] === 'pretty',
              name: 'coordinator',
            });
            const { startCoordinator } = await import('../../coordinator/server.js');
            const running = await startCoordinator({ ...config, log });
            console.log(`coordinator API: ${running.apiUrl}`);
            for (const a of running.multiaddrs) console.log(`coordinator p2p: ${a}`);
            await untilSignal(running.stop, 'mpc coordinator');
          },
        )
        .command(
          'join-token',
          'Create a one-time token that admits one party (mpc party start --join-token) to the p2p network, with the role you choose',
          (t) =>
            apiUrlOption(t)
              .option('ttl', { type: 'number', default: 3600, describe: 'Seconds the token stays valid (60..604800)' })
              .option('role', {
                choices: ['persistent', 'delegate', 'external'] as const,
                default: 'persistent' as const,
                describe:
                  'The role the admitted party gets; it must start with the same --role (only persistent parties hold shares of new accounts)',
              }),
          async (argv) => {
            const body = await callApi(argv['api-url'], 'POST', '/api/v1/join-tokens', {
              ttlSeconds: argv.ttl,
              role: argv.role,
            });
            if (typeof body.token !== 'string') throw answerError(200, body);
            console.log(body.token);
            console.error(
              `role ${body.role}, valid until ${body.expiresAt}; use once: mpc party start … --role ${body.role} --join-token <token>`,
            );
          },
        )
        .command(
          'revoke-party <peer-id>',
          'Revoke a party: the coordinator disconnects it and refuses it from now on, also after a restart',
          (t) =>
            apiUrlOption(t).positional('peer-id', {
              type: 'string',
              demandOption: true,
              describe: 'The party peer id (12D3KooW…), as `mpc coordinator` logs it or GET /api/v1/parties lists it',
            }),
          async (argv) => {
            const id = argv['peer-id'];
            // a path segment of our own making: nothing in the id may change which route is called
            const body = await callApi(argv['api-url'], 'DELETE', `/api/v1/parties/${encodeURIComponent(id)}`);
            console.log(`revoked ${body.partyId} at ${body.revokedAt}`);
          },
        )
        .demandCommand(1, 'Specify a coordinator command; see mpc coordinator --help.'),
  );
}
