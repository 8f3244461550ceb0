/**
 * Child processes of the `mpc` CLI for end-to-end tests: spawn with captured output, wait for a line, stop
 * with a signal, and find free TCP ports (so a restarted coordinator comes back at the same address).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

/** `cli/bin.js`, the `mpc` command. */
export const BIN = fileURLToPath(new URL('../../cli/bin.js', import.meta.url));

/** A running `mpc` process and everything it printed. */
export interface CliProcess {
  child: ChildProcess;
  /** stdout and stderr so far. */
  out: string;
  /** Resolves with the first match of `re` in the output (waiting for it), or rejects after `timeoutMs`. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
}

/** Spawns `mpc ...args`. */
export function mpc(args: readonly string[], env: NodeJS.ProcessEnv): CliProcess {
  const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const p: CliProcess = {
    child,
    out: '',
    exited,
    async waitFor(re, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const m = p.out.match(re);
        if (m) return m;
        if (child.exitCode !== null) throw new Error(`process exited (${child.exitCode}) before ${re}:\n${p.out}`);
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${re}:\n${p.out.slice(-4000)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
  const append = (d: Buffer) => {
    p.out += d.toString();
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  return p;
}

/** Sends `signal` and waits for the exit code. */
export async function stop(p: CliProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill(signal);
  return p.exited;
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}
