/** `mpc party start`: parse and check flags, run the node until SIGINT/SIGTERM. */
import { peerIdFromString } from '@libp2p/peer-id';
import { multiaddr } from '@multiformats/multiaddr';
import type { Argv } from 'yargs';
import { packageVersion } from '../../src/runtime/package-info.js';
import { untilSignal } from '../signals.js';
import { storeOptions } from './options.js';

function positive(name: string) {
  return (v: number) => {
    if (!Number.isInteger(v) || v < 1) throw new Error(`invalid --${name} ${v}; must be a positive integer`);
    return v;
  };
}

/** Checks that `text` is a multiaddr; a throw here is a usage error naming the flag. */
function checkMultiaddr(flag: string, text: string): string {
  try {
    multiaddr(text);
  } catch {
    throw new Error(`invalid --${flag} '${text}'; must be a multiaddr such as /ip4/127.0.0.1/tcp/0`);
  }
  return text;
}

/** Checks that `text` is a multiaddr ending in `/p2p/<peer id>`, as the coordinator prints it at start. */
function checkCoordinatorAddr(text: string): string {
  const problem = `invalid --coordinator '${text}'; must be the multiaddr the coordinator prints at start, ending in /p2p/<peer id>`;
  let id: string | undefined;
  try {
    id = multiaddr(text)
      .getComponents()
      .find((c) => c.name === 'p2p')?.value;
    if (id !== undefined) peerIdFromString(id);
  } catch {
    throw new Error(problem);
  }
  if (id === undefined) throw new Error(problem);
  return text;
}

function builder(y: Argv) {
  return storeOptions(y)
    .option('coordinator', {
      type: 'string',
      demandOption: true,
      describe: "The coordinator's multiaddr, ending in /p2p/<peer id> (printed by the coordinator at start)",
      coerce: checkCoordinatorAddr,
    })
    .option('listen', {
      type: 'string',
      array: true,
      default: ['/ip4/127.0.0.1/tcp/0'],
      describe: 'Listen multiaddr(s)',
      coerce: (addrs: unknown[]) => addrs.map((a) => checkMultiaddr('listen', String(a))),
    })
    .option('announce', {
      type: 'string',
      array: true,
      default: [] as string[],
      describe:
        'Multiaddr(s) to advertise instead of the listen addresses (a public address or /dns4 name in front of a port forward); an external party also advertises its relayed address',
      coerce: (addrs: unknown[]) => addrs.map((a) => checkMultiaddr('announce', String(a))),
    })
    .option('join-token', {
      type: 'string',
      describe:
        'A one-time token from `mpc coordinator join-token`, for a coordinator that does not list this peer id (env MPC_JOIN_TOKEN)',
    })
    .option('role', { choices: ['persistent', 'delegate', 'external'] as const, default: 'persistent' as const })
    .option('metrics-port', {
      type: 'number',
      describe: 'Serve /health and /metrics on 127.0.0.1 at this port (0 = any free port)',
      coerce: (v: number) => {
        if (!Number.isInteger(v) || v < 0 || v > 65535)
          throw new Error(`invalid --metrics-port ${v}; must be 0..65535`);
        return v;
      },
    })
    .option('log-format', { choices: ['json', 'pretty'] as const, default: 'json' as const, describe: 'Log format' })
    .option('log-level', { choices: ['debug', 'info', 'warn', 'error'] as const, default: 'info' as const })
    .option('max-sessions', {
      type: 'number',
      default: 32,
      coerce: positive('max-sessions'),
      describe: 'Sessions at once',
    })
    .option('round-timeout', {
      type: 'number',
      default: 10_000,
      coerce: positive('round-timeout'),
      describe: 'ms per round',
    })
    .option('session-timeout', {
      type: 'number',
      default: 60_000,
      coerce: positive('session-timeout'),
      describe: 'ms per session',
    })
    .option('pair-max-age', {
      type: 'number',
      default: 90,
      coerce: positive('pair-max-age'),
      describe: 'Days a pair state with a peer is used; an older one is replaced by a fresh pair setup',
    });
}

/** Registers the `start` command on the `party` group. */
export function startCommand(y: Argv): Argv {
  return y.command(
    'start',
    'Run the party node: register with the coordinator and take part in keygen and signing sessions',
    builder,
    async (argv) => {
      const joinToken = argv['join-token'] ?? process.env.MPC_JOIN_TOKEN;
      // loaded here, not at the top, so that `mpc --help` and the quick commands do not load libp2p
      const { runParty } = await import('../../src/party/run-node.js');
      const running = await runParty({
        dataDir: argv['data-dir'],
        ...(argv['master-key-file'] ? { masterKeyFile: argv['master-key-file'] } : {}),
        coordinator: argv.coordinator,
        listen: argv.listen,
        ...(argv.announce.length > 0 ? { announce: argv.announce } : {}),
        role: argv.role,
        ...(argv['metrics-port'] !== undefined ? { metricsPort: argv['metrics-port'] } : {}),
        logFormat: argv['log-format'],
        logLevel: argv['log-level'],
        maxSessions: argv['max-sessions'],
        roundTimeoutMs: argv['round-timeout'],
        totalTimeoutMs: argv['session-timeout'],
        pairMaxAgeMs: argv['pair-max-age'] * 24 * 60 * 60 * 1000,
        version: packageVersion(),
        ...(joinToken ? { joinToken } : {}),
      });
      await untilSignal(() => running.stop(), 'mpc party start');
    },
  );
}
