// The image's HEALTHCHECK: GET /livez of the process running in this container (Node itself, since slim images
// have no curl). Which port: MPC_HEALTH_URL when set; else, from the main process's arguments, a coordinator's
// API port (PORT, default 4000) or a party's observation port (MPC_METRICS_PORT). Exit 0 healthy, 1 not.
import { readFileSync } from 'node:fs';

function url() {
  if (process.env.MPC_HEALTH_URL) return process.env.MPC_HEALTH_URL;
  let args = [];
  try {
    args = readFileSync('/proc/1/cmdline', 'utf8').split('\0');
  } catch {
    // not Linux or no /proc: assume the coordinator
  }
  if (args.includes('party')) {
    const port = process.env.MPC_METRICS_PORT;
    if (!port) {
      console.error('healthcheck: a party serves /livez only with MPC_METRICS_PORT set');
      process.exit(1);
    }
    return `http://127.0.0.1:${port}/livez`;
  }
  return `http://127.0.0.1:${process.env.PORT || 4000}/livez`;
}

try {
  const res = await fetch(url(), { signal: AbortSignal.timeout(4000) });
  process.exit(res.status === 200 ? 0 : 1);
} catch (e) {
  console.error(`healthcheck: ${e.cause?.message ?? e.message}`);
  process.exit(1);
}
