/**
 * `npm start` (`mpc dev`): the whole network on one machine — a coordinator (in this process, embedded PGlite)
 * and three party processes on 127.0.0.1, talking over real TCP + noise (cli/dev-network.ts). Data lives under
 * `./.mpc-dev/` and is kept across restarts, with a generated master key and API key stored there (mode 0600)
 * unless `CRYPTO_MASTER_KEY` / `MPC_API_KEY` are set. Ctrl-C stops everything.
 */
import { resolve } from 'node:path';
import type { Argv } from 'yargs';
import { createLogger } from '../src/runtime/logger.js';
import { MASTER_KEY_ENV } from '../src/runtime/master-key.js';
import { exitWithStarter } from '../src/runtime/processes.js';
import { type DevNetwork, MAX_DEV_DELEGATES, MAX_DEV_PARTIES, startDevNetwork } from './dev-network.js';
import { UsageError } from './failure.js';
import { untilSignal } from './signals.js';

/** Presignatures per account `mpc dev` keeps unless told otherwise (`--presign-pool`). */
const DEV_PRESIGN_POOL = 4;

/** What `mpc dev` prints once the network is up: where it is, its key, and curl commands to try it. */
export function banner(net: DevNetwork): string {
  const { apiUrl, apiKey } = net;
  const hash = `0x${'ab'.repeat(32)}`;
  return [
    '',
    `  API      ${apiUrl}`,
    `  API key  ${apiKey}`,
    `  p2p      ${net.p2p}`,
    `  parties  ${net.parties.map((p) => `${p.name} (pid ${p.process.pid})`).join(', ')}`,
    ...(net.delegates.length > 0
      ? [`  delegate ${net.delegates.map((p) => `${p.name} (pid ${p.process.pid})`).join(', ')}`]
      : []),
    '',
    '  Create an account (2-of-3):',
    `    curl -s -X POST ${apiUrl}/api/v1/accounts -H 'X-API-Key: ${apiKey}' -H 'Content-Type: application/json' -d '{"userId":"alice"}'`,
    '  Sign with it (use its accountId):',
    `    curl -s -X POST ${apiUrl}/api/v1/accounts/<accountId>/sign -H 'X-API-Key: ${apiKey}' -H 'Content-Type: application/json' -d '{"messageHash":"${hash}"}'`,
    ...(net.delegates.length > 0
      ? [
          "  Hybrid custody (3-of-3, the delegate's share returned to you as userShare; keep it):",
          `    curl -s -X POST ${apiUrl}/api/v1/accounts -H 'X-API-Key: ${apiKey}' -H 'Content-Type: application/json' -d '{"userId":"bob","custody":"hybrid","threshold":3,"parties":3}'`,
          '  Sign with the user share:',
          `    curl -s -X POST ${apiUrl}/api/v1/accounts/<accountId>/sign -H 'X-API-Key: ${apiKey}' -H 'Content-Type: application/json' -d '{"messageHash":"${hash}","userShare":"<userShare>"}'`,
        ]
      : []),
    '',
    '  Ctrl-C stops the network; data stays in the directory above.',
    '',
  ].join('\n');
}

/** Registers `mpc dev`. */
export function devCommand<T>(y: Argv<T>): Argv<T> {
  return y.command(
    'dev',
    'Start a whole local network: a coordinator (embedded PGlite) and three parties on 127.0.0.1 (npm start)',
    (c) =>
      c
        .option('dir', {
          type: 'string',
          default: process.env.MPC_DEV_DIR ?? '.mpc-dev',
          describe: 'Where data and generated keys live (env MPC_DEV_DIR)',
        })
        .option('port', {
          type: 'number',
          default: Number(process.env.PORT ?? 4000),
          describe: 'REST API port (env PORT)',
        })
        .option('parties', {
          type: 'number',
          default: 3,
          describe: `Party processes to run (2..${MAX_DEV_PARTIES})`,
          coerce: (n: number) => {
            if (!Number.isInteger(n) || n < 2 || n > MAX_DEV_PARTIES) {
              throw new UsageError(`invalid --parties ${n}; must be 2..${MAX_DEV_PARTIES}`);
            }
            return n;
          },
        })
        .option('delegates', {
          type: 'number',
          default: 1,
          describe: `Delegate nodes to run beside the parties, for hybrid custody (0..${MAX_DEV_DELEGATES})`,
          coerce: (n: number) => {
            if (!Number.isInteger(n) || n < 0 || n > MAX_DEV_DELEGATES) {
              throw new UsageError(`invalid --delegates ${n}; must be 0..${MAX_DEV_DELEGATES}`);
            }
            return n;
          },
        })
        .option('presign-pool', {
          type: 'number',
          default: DEV_PRESIGN_POOL,
          describe:
            'Presignatures the coordinator keeps per account while idle, so that a signing runs only its online round (0 = off)',
          coerce: (n: number) => {
            if (!Number.isInteger(n) || n < 0 || n > 1000)
              throw new UsageError(`invalid --presign-pool ${n}; must be 0..1000`);
            return n;
          },
        })
        .option('log-level', { choices: ['debug', 'info', 'warn', 'error'] as const, default: 'warn' as const }),
    async (argv) => {
      // a foreground tool: when what started it ends (a killed npm start, a closed script), it stops too
      const starterGone = new AbortController();
      const unwatch = exitWithStarter(() => starterGone.abort());
      const fromEnv = process.env[MASTER_KEY_ENV]?.trim();
      const apiKey = process.env.MPC_API_KEY?.split(',')[0]?.trim();
      console.log(`mpc dev: data in ${resolve(argv.dir)}; starting a coordinator and ${argv.parties} parties…`);
      const net = await startDevNetwork({
        dir: argv.dir,
        parties: argv.parties,
        delegates: argv.delegates,
        port: argv.port,
        presignPool: argv['presign-pool'],
        masterKey: fromEnv ? 'env' : 'file',
        ...(apiKey ? { apiKey } : {}),
        logLevel: argv['log-level'],
        log: createLogger({ level: argv['log-level'], pretty: true, name: 'coordinator' }),
        onPartyLine: (name, line) => console.log(`[${name}] ${line}`),
      });
      console.log(
        `mpc dev: ${net.parties.length}/${net.parties.length} parties online, ${net.delegates.length} delegate node(s)`,
      );
      console.log(banner(net));
      await untilSignal(
        async () => {
          console.log('\nmpc dev: stopping…');
          await net.stop();
          console.log('mpc dev: stopped');
        },
        'mpc dev',
        starterGone.signal,
      );
      unwatch();
    },
  );
}
