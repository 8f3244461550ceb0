/** `mpc party start`: validate every setting (creating nothing), then run the node until SIGINT/SIGTERM. */
import type { Argv } from 'yargs';
import { secureDataDir } from '../../src/runtime/data-dir.js';
import { packageVersion } from '../../src/runtime/package-info.js';
import { catchSignals } from '../signals.js';
import { PARTY_DEFAULTS, toPartyConfig } from './config.js';
import { storeOptions } from './options.js';

function builder(y: Argv) {
  return storeOptions(y)
    .option('coordinator', {
      type: 'string',
      describe:
        "The coordinator's multiaddr, ending in /p2p/<peer id> (printed by the coordinator at start; env MPC_COORDINATOR)",
    })
    .option('listen', {
      type: 'string',
      array: true,
      describe: `Listen multiaddr(s) (env MPC_LISTEN, comma-separated; default ${PARTY_DEFAULTS.listen})`,
    })
    .option('announce', {
      type: 'string',
      array: true,
      describe:
        'Multiaddr(s) to advertise instead of the listen addresses (a public address or /dns4 name in front of a port forward; env MPC_ANNOUNCE, comma-separated); an external party also advertises its relayed address',
    })
    .option('join-token', {
      type: 'string',
      describe:
        'A one-time token from `mpc coordinator join-token`, for a coordinator that does not list this peer id (env MPC_JOIN_TOKEN or MPC_JOIN_TOKEN_FILE); the token fixes the role',
    })
    .option('pool-secret-file', {
      type: 'string',
      describe:
        "File with the pool secret of this node's role (the coordinator's MPC_POOL_SECRET, or MPC_DELEGATE_POOL_SECRET for a delegate); default env MPC_POOL_SECRET or MPC_POOL_SECRET_FILE. Reusable: every party of the pool presents it",
    })
    .option('role', {
      choices: ['persistent', 'delegate', 'external'] as const,
      describe:
        'The role registered with the coordinator (env MPC_ROLE; default persistent); a party admitted by join token or pool secret must give the role it was admitted for',
    })
    .option('metrics-port', {
      type: 'number',
      describe:
        'Serve /livez, /readyz, /health and /metrics at this port (env MPC_METRICS_PORT; 0 = any free port; default: not served)',
    })
    .option('metrics-host', {
      type: 'string',
      describe: 'Address the /health and /metrics server binds (env MPC_METRICS_HOST; default 127.0.0.1)',
    })
    .option('log-format', { choices: ['json', 'pretty'] as const, default: 'json' as const, describe: 'Log format' })
    .option('log-level', { choices: ['debug', 'info', 'warn', 'error'] as const, default: 'info' as const })
    .option('max-sessions', { type: 'number', describe: `Sessions at once (default ${PARTY_DEFAULTS.maxSessions})` })
    .option('round-timeout', { type: 'number', describe: `ms per round (default ${PARTY_DEFAULTS.roundTimeout})` })
    .option('session-timeout', {
      type: 'number',
      describe: `ms per session (default ${PARTY_DEFAULTS.sessionTimeout})`,
    })
    .option('pair-max-age', {
      type: 'number',
      describe: `Days a pair state with a peer is used; an older one is replaced by a fresh pair setup (default ${PARTY_DEFAULTS.pairMaxAgeDays})`,
    })
    .option('create-identity', {
      type: 'boolean',
      describe:
        'On an empty data directory, make the identity instead of asking for `mpc party init` (env MPC_CREATE_IDENTITY; the container image sets it)',
    })
    .option('allow-shared-dir', {
      type: 'boolean',
      describe:
        'Start even if group or others may access the data directory, and leave its modes (env MPC_ALLOW_SHARED_DIR)',
    });
}

/** Registers the `start` command on the `party` group. */
export function startCommand(y: Argv): Argv {
  return y.command(
    'start',
    'Run the party node: register with the coordinator and take part in keygen and signing sessions',
    builder,
    async (argv) => {
      // caught from the start: a group's Ctrl-C that comes while the node registers stops it once it runs
      const signals = catchSignals('mpc party start');
      const { config, allowSharedDir } = toPartyConfig(argv, packageVersion());
      if (!allowSharedDir) {
        // every file LevelDB makes from now on is the node's alone; those from earlier runs are tightened here
        process.umask(0o077);
      }
      secureDataDir(config.dataDir, { allowShared: allowSharedDir });
      // loaded here, not at the top, so that `mpc --help` and the quick commands do not load libp2p
      const { runParty } = await import('../../src/party/run-node.js');
      const running = await runParty(config);
      await signals.until(() => running.stop());
    },
  );
}
