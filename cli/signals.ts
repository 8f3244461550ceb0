/** Signal handling shared by the long-running commands (`mpc party start`, `mpc coordinator start`, `mpc dev`). */
import { exitWithParent } from '../src/runtime/processes.js';
import { EXIT, failureReport } from './failure.js';

/**
 * Waits for SIGINT/SIGTERM — or, for a process started with a lifeline (a dev network's party), for its parent
 * to end, however it ended; or for `also` to abort — then runs `stop` once.
 */
export function untilSignal(stop: () => Promise<void>, what: string, also?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    let stopping = false;
    const onSignal = () => {
      if (stopping) return;
      stopping = true;
      stop().then(resolve, (e) => {
        console.error(`${what}: error while stopping: ${failureReport(e).text}`);
        process.exitCode = EXIT.FAILED;
        resolve();
      });
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    exitWithParent(onSignal);
    if (also?.aborted) onSignal();
    also?.addEventListener('abort', onSignal, { once: true });
  });
}
