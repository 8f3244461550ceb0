/** `mpc coordinator start|join-token`. */
import type { Argv } from 'yargs';
import { createLogger } from '../../src/runtime/logger.js';
import { untilSignal } from '../signals.js';
import { startOptions, toConfig } from './options.js';

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
            let config: ReturnType<typeof toConfig>['config'];
            try {
              const parsed = toConfig(argv);
              config = parsed.config;
              for (const n of parsed.notes) console.error(`note: ${n}`);
            } catch (e) {
              console.error(`mpc coordinator start: ${(e as Error).message}`);
              process.exitCode = 2;
              return;
            }
            const log = createLogger({
              level: argv['log-level'],
              pretty: argv['log-format'] === 'pretty',
              name: 'coordinator',
            });
            const { startCoordinator } = await import('../../coordinator/server.js');
            let running: Awaited<ReturnType<typeof startCoordinator>>;
            try {
              running = await startCoordinator({ ...config, log });
            } catch (e) {
              console.error(`mpc coordinator start: ${(e as Error).message}`);
              process.exitCode = 1;
              return;
            }
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
            if (!key) {
              console.error('mpc coordinator join-token: set MPC_API_KEY to one of the coordinator API keys');
              process.exitCode = 2;
              return;
            }
            const res = await fetch(`${argv['api-url']}/api/v1/join-tokens`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', 'x-api-key': key },
              body: JSON.stringify({ ttlSeconds: argv.ttl }),
            }).catch((e: Error) => e);
            if (res instanceof Error) {
              console.error(`mpc coordinator join-token: cannot reach ${argv['api-url']}: ${res.message}`);
              process.exitCode = 1;
              return;
            }
            const body = (await res.json()) as { token?: string; expiresAt?: string; error?: { message: string } };
            if (!res.ok || !body.token) {
              console.error(`mpc coordinator join-token: ${res.status} ${body.error?.message ?? 'unexpected answer'}`);
              process.exitCode = 1;
              return;
            }
            console.log(body.token);
            console.error(`valid until ${body.expiresAt}; use once: mpc party start … --join-token <token>`);
          },
        )
        .demandCommand(1, 'Specify a coordinator command; see mpc coordinator --help.'),
  );
}
