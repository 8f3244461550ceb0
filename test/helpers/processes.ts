/**
 * The `mpc` command in child processes for end-to-end tests, over the runtime's process helper
 * (src/runtime/processes.ts): the children run the same code as the test (the TypeScript sources through tsx),
 * capture their output, and stop with the test process even when it is killed.
 */
import type { ChildProcess } from 'node:child_process';
import { mpcProgram } from '../../cli/self.js';
import { freePort, runNodeSync, type SyncRun, spawnNode } from '../../src/runtime/processes.js';

export { freePort };

/** A running `mpc` process and everything it printed. */
export interface CliProcess {
  child: ChildProcess;
  /** stdout and stderr so far. */
  readonly out: string;
  /** Resolves with the first match of `re` in the output (waiting for it), or rejects after `timeoutMs`. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
}

/** Spawns `mpc ...args`. */
export function mpc(args: readonly string[], env: NodeJS.ProcessEnv): CliProcess {
  const p = spawnNode(mpcProgram(), args, { env });
  return {
    child: p.child,
    get out() {
      return p.output();
    },
    waitFor: (re, timeoutMs) => p.waitFor(re, timeoutMs),
    exited: p.exited.then((e) => e.code),
  };
}

/** Runs `mpc ...args` to its end. */
export function mpcSync(args: readonly string[], env: NodeJS.ProcessEnv): SyncRun {
  return runNodeSync(mpcProgram(), args, env);
}

/** Sends `signal` and waits for the exit code. */
export async function stop(p: CliProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill(signal);
  return p.exited;
}
