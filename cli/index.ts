/**
 * The `mpc` command line: `mpc party …`, `mpc coordinator …`, `mpc dev` (the whole network on one machine) and
 * `mpc bench`.
 */
import '../src/runtime/polyfill.js'; // first: libp2p, loaded by later commands, needs Promise.withResolvers on Node 20

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { coordinatorCommands } from './coordinator/index.js';
import { devCommand } from './dev.js';
import { EXIT, onYargsFailure, reportFailure, UsageError } from './failure.js';
import { partyCommands } from './party/index.js';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

/** Runs bench/index.ts in a child process with tsx's loader, forwarding the options; resolves to its exit code. */
function runBench(forward: string[]): Promise<number> {
  const script = fileURLToPath(new URL('../bench/index.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), script, ...forward], {
    stdio: 'inherit',
  });
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
  .version(pkg.version)
  .epilogue(
    `Exit status: ${EXIT.OK} done, ${EXIT.FAILED} failed, ${EXIT.USAGE} bad command line, ${EXIT.CONFIG} configuration to fix (keys, database URL), ${EXIT.INTERNAL} internal error. MPC_DEBUG=1 shows the stack of an internal error.`,
  )
  .fail(onYargsFailure);

try {
  await cli.parseAsync();
} catch (e) {
  process.exitCode = reportFailure(e);
}
