/** `mpc coordinator start|join-token`. */
import type { Argv } from 'yargs';
import { type ApiErrorCode, CoordinatorError, HTTP_STATUS } from '../../coordinator/errors.js';
import { ConfigError } from '../../src/runtime/errors.js';
import { createLogger } from '../../src/runtime/logger.js';
import { untilSignal } from '../signals.js';
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

/** Registers the `coordinator` command group. */
export function coordinatorCommands<T>(y: Argv<T>): Argv<T> {
  return y.command(
    'coordinator',
    'Run the coordinator (REST API, rendezvous, PostgreSQL) and manage join tokens',
    (c) =>
      c
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
          'Create a one-time token that admits one party (mpc party start --join-token) to the p2p network',
          (t) =>
            t
              .option('api-url', {
                type: 'string',
                default: process.env.MPC_API_URL ?? 'http://127.0.0.1:4000',
                describe: 'Coordinator API (env MPC_API_URL)',
              })
              .option('ttl', { type: 'number', default: 3600, describe: 'Seconds the token stays valid (60..604800)' }),
          async (argv) => {
            const key = process.env.MPC_API_KEY?.split(',')[0]?.trim();
            if (!key) throw new ConfigError('NO_API_KEY', 'set MPC_API_KEY to one of the coordinator API keys');
            const url = `${argv['api-url']}/api/v1/join-tokens`;
            let res: Response;
            try {
              res = await fetch(url, {
                method: 'POST',
                headers: { 'content-type': 'application/json', 'x-api-key': key },
                body: JSON.stringify({ ttlSeconds: argv.ttl }),
              });
            } catch (e) {
              // fetch says only "fetch failed"; the reason (ECONNREFUSED, …) is its cause
              const reason = ((e as Error).cause as Error | undefined)?.message ?? (e as Error).message;
              throw new CoordinatorError(
                'UNAVAILABLE',
                `cannot reach the coordinator at ${argv['api-url']} (${reason}); is it running? (--api-url, MPC_API_URL)`,
              );
            }
            const body = (await res.json().catch(() => ({}))) as {
              token?: string;
              expiresAt?: string;
              error?: { code?: string; message?: string };
            };
            if (!res.ok || !body.token) throw answerError(res.status, body);
            console.log(body.token);
            console.error(`valid until ${body.expiresAt}; use once: mpc party start … --join-token <token>`);
          },
        )
        .demandCommand(1, 'Specify a coordinator command; see mpc coordinator --help.'),
  );
}
