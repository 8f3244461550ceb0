/**
 * The `mpc` command line: `mpc party …`, `mpc coordinator …`, `mpc dev` (the whole network on one machine) and
 * `mpc bench`.
 */
import '../src/runtime/polyfill.js'; // first: libp2p, loaded by later commands, needs Promise.withResolvers on Node 20

import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { packageRoot, packageVersion } from '../src/runtime/package-info.js';
import { coordinatorCommands } from './coordinator/index.js';
import { devCommand } from './dev.js';
import { CommandError, EXIT, onYargsFailure, reportFailure, UsageError } from './failure.js';
import { partyCommands } from './party/index.js';

/**
 * Runs bench/index.ts in a child process with tsx's loader, forwarding the options; resolves to its exit code.
 * The benchmarks are development tools: they stay TypeScript and need the development dependencies.
 */
function runBench(forward: string[]): Promise<number> {
  let tsx: string;
  try {
    tsx = import.meta.resolve('tsx');
  } catch {
    throw new CommandError(
      'NEEDS_DEV_DEPENDENCIES',
      'mpc bench runs through tsx, a development dependency: run npm install',
    );
  }
  const root = packageRoot();
  const preload = pathToFileURL(join(root, 'src', 'runtime', 'polyfill.ts')).href;
  const child = spawn(
    process.execPath,
    ['--import', tsx, '--import', preload, join(root, 'bench', 'index.ts'), ...forward],
    {
      stdio: 'inherit',
    },
  );
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

const cli = devCommand(
  coordinatorCommands(partyCommands(yargs(hideBin(process.argv)).scriptName('mpc').usage('$0 <command> [options]'))),
)
  .command(
    'bench',
    'Benchmarks: the engine, signing over libp2p, and REST signing against a local network (bench/index.ts)',
    (y) =>
      y
        .option('json', { type: 'boolean', default: false, describe: 'One JSON object per line instead of a table' })
        .option('runs', {
          type: 'number',
          describe: "Timed runs per case (overrides each case's default)",
          coerce: (runs: number) => {
            if (!Number.isInteger(runs) || runs < 1) throw new UsageError('invalid --runs; must be an integer >= 1');
            return runs;
          },
        })
        .option('only', { type: 'string', describe: 'Comma-separated ops to run, e.g. keygen,sign' }),
    async (argv) => {
      const forward: string[] = [];
      if (argv.json) forward.push('--json');
      if (argv.runs !== undefined) forward.push('--runs', String(argv.runs));
      if (argv.only !== undefined) forward.push('--only', argv.only);
      process.exitCode = await runBench(forward);
    },
  )
  .demandCommand(1, 'Specify a command; see mpc --help.')
  .strict()
  .help()
  .alias('help', 'h')
  .version(packageVersion())
  .epilogue(
    `Exit status: ${EXIT.OK} done, ${EXIT.FAILED} failed, ${EXIT.USAGE} bad command line, ${EXIT.CONFIG} configuration to fix (settings, keys, data directory), ${EXIT.INTERNAL} internal error. MPC_DEBUG=1 shows the stack of an internal error.`,
  )
  .fail(onYargsFailure);

try {
  await cli.parseAsync();
} catch (e) {
  process.exitCode = reportFailure(e);
}
