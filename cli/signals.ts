/** Signal handling shared by the long-running commands (`mpc party start`, `mpc coordinator start`, `mpc dev`). */
import { exitWithParent } from '../src/runtime/processes.js';
import { EXIT, failureReport } from './failure.js';

/**
 * Waits for SIGINT/SIGTERM — or, for a process started with a lifeline (a dev network's party), for its parent
 * to end, however it ended; or for `also` to abort — then runs `stop` once.
 */
export function untilSignal(stop: () => Promise<void>, what: string, also?: AbortSignal): Promise<void> {
  return catchSignals(what).until(stop, also);
}

/** Signals caught from now on, for a process that starts something before it can stop it. */
export interface CaughtSignals {
  /** Runs `stop` once at the first signal, lifeline end or `also`'s abort — at once if one came already. */
  until(stop: () => Promise<void>, also?: AbortSignal): Promise<void>;
}

/**
 * Catches SIGINT/SIGTERM (and a lifeline's end) from now on, so that a signal that comes while the process is
 * still starting stops it once started, instead of killing it half-way. Signals that come while it stops are
 * ignored, not fatal: a terminal's Ctrl-C or a service manager's stop signals the whole process group, so a dev
 * network's party gets the group's signal and then its parent's SIGTERM, and must still finish its stop.
 */
export function catchSignals(what: string): CaughtSignals {
  let caught = false;
  let onCaught: (() => void) | undefined;
  const onSignal = () => {
    if (caught) return;
    caught = true;
    onCaught?.();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  exitWithParent(onSignal);
  return {
    until(stop, also) {
      return new Promise<void>((resolve) => {
        let stopping = false;
        const run = () => {
          if (stopping) return;
          stopping = true;
          stop().then(resolve, (e) => {
            console.error(`${what}: error while stopping: ${failureReport(e).text}`);
            process.exitCode = EXIT.FAILED;
            resolve();
          });
        };
        onCaught = run;
        if (caught || also?.aborted) run();
        also?.addEventListener('abort', run, { once: true });
      });
    },
  };
}
