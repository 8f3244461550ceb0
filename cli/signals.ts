/** Signal handling shared by the long-running commands (`mpc party start`, `mpc coordinator start`, `mpc dev`). */
import { EXIT, failureReport } from './failure.js';

/** Waits for SIGINT/SIGTERM, then runs `stop` once. */
export function untilSignal(stop: () => Promise<void>, what: string): Promise<void> {
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
  });
}
