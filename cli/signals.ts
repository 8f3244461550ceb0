/** Signal handling shared by the long-running commands (`mpc party start`, `mpc coordinator start`, `mpc dev`). */

/** Waits for SIGINT/SIGTERM, then runs `stop` once. */
export function untilSignal(stop: () => Promise<void>, what: string): Promise<void> {
  return new Promise<void>((resolve) => {
    let stopping = false;
    const onSignal = () => {
      if (stopping) return;
      stopping = true;
      stop().then(resolve, (e) => {
        console.error(`${what}: error while stopping: ${String(e)}`);
        process.exitCode = 1;
        resolve();
      });
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  });
}
