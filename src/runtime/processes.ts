/**
 * Child processes of Node programs (mostly the `mpc` command itself): spawn one with its output split into
 * lines, wait for a line, stop it with a signal and a deadline, find a free TCP port.
 *
 * Every child gets a lifeline: an IPC channel to this process. However this process ends — SIGKILL included —
 * the kernel closes the channel, and a child that called {@link exitWithParent} stops itself. So a killed
 * `npm start` leaves no party process behind holding its store's lock.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** How to run a Node program: the script and the Node options it needs (e.g. a loader). */
export interface NodeProgram {
  script: string;
  execArgv: readonly string[];
}

/** How a child ended: its exit code, or the signal that ended it. */
export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Options of {@link spawnNode}. */
export interface SpawnOptions {
  /** The child's environment. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Called with every line the child writes to stdout or stderr. */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
}

/** Output kept per child for {@link NodeChild.output} and {@link NodeChild.waitFor}; older output is dropped. */
const MAX_KEPT_CHARS = 1 << 20;
/** How often {@link NodeChild.waitFor} looks at the output. */
const POLL_MS = 50;

/** A running (or ended) child process. */
export class NodeChild {
  /** Resolves when the child has ended (also when it could not be spawned: code null, signal null). */
  readonly exited: Promise<ChildExit>;
  private kept = '';
  private ended: ChildExit | undefined;

  constructor(readonly child: ChildProcess) {
    this.exited = new Promise((resolve) => {
      const done = (exit: ChildExit) => {
        this.ended ??= exit;
        resolve(this.ended);
      };
      child.once('exit', (code, signal) => done({ code, signal }));
      // a child that could not be spawned emits 'error' and no 'exit'
      child.once('error', () => done({ code: null, signal: null }));
    });
  }

  /** The child's pid (undefined when it could not be spawned). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** True until the child has ended. */
  get running(): boolean {
    return this.ended === undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** stdout and stderr as they came (the last megabyte). */
  output(): string {
    return this.kept;
  }

  /** The last `n` lines of the output, for error messages. */
  tail(n = 40): string {
    return this.kept.trimEnd().split('\n').slice(-n).join('\n');
  }

  /** @internal Appends output (called by {@link spawnNode}). */
  keep(text: string): void {
    this.kept += text;
    if (this.kept.length > MAX_KEPT_CHARS) this.kept = this.kept.slice(-MAX_KEPT_CHARS / 2);
  }

  /**
   * Resolves with the first match of `re` in the output, waiting for it; rejects (with the output) when the
   * child ends first or `timeoutMs` passes.
   */
  async waitFor(re: RegExp, timeoutMs = 60_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = this.kept.match(re);
      if (m) return m;
      if (!this.running)
        throw new Error(`the process ended (${describeExit(this.ended)}) before ${re}:\n${this.tail()}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${re}:\n${this.tail()}`);
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }

  /**
   * Sends `signal` and waits for the child to end; after `graceMs` it is killed (SIGKILL). Resolves with how it
   * ended and whether it had to be killed.
   */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000): Promise<ChildExit & { killed: boolean }> {
    if (!this.running) return { ...(await this.exited), killed: false };
    this.child.kill(signal);
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      this.child.kill('SIGKILL');
    }, graceMs);
    const exit = await this.exited;
    clearTimeout(timer);
    return { ...exit, killed };
  }
}

/** `status 0`, `signal SIGTERM`, … */
export function describeExit(exit: ChildExit | undefined): string {
  if (exit === undefined) return 'running';
  if (exit.signal !== null) return `signal ${exit.signal}`;
  return exit.code === null ? 'not started' : `status ${exit.code}`;
}

/**
 * Spawns `node [execArgv] script ...args` with piped output and a lifeline (see the module comment). The
 * channel does not keep this process alive.
 */
export function spawnNode(program: NodeProgram, args: readonly string[], opts: SpawnOptions = {}): NodeChild {
  const child = spawn(process.execPath, [...program.execArgv, program.script, ...args], {
    env: opts.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  child.channel?.unref();
  // a child that ignores its channel must not fill it: drop whatever it sends (tsx reports loaded files there)
  child.on('message', () => {});
  const handle = new NodeChild(child);
  for (const [stream, name] of [
    [child.stdout, 'stdout'],
    [child.stderr, 'stderr'],
  ] as const) {
    let rest = '';
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      handle.keep(chunk);
      if (opts.onLine === undefined) return;
      const lines = (rest + chunk).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) opts.onLine(line, name);
    });
    stream?.on('end', () => {
      if (rest !== '' && opts.onLine !== undefined) opts.onLine(rest, name);
      rest = '';
    });
  }
  return handle;
}

/** What {@link runNodeSync} returns. */
export interface SyncRun {
  /** The exit code (null when a signal ended it). */
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node [execArgv] script ...args` to its end (for quick commands such as `mpc party init`). */
export function runNodeSync(program: NodeProgram, args: readonly string[], env: NodeJS.ProcessEnv): SyncRun {
  const r = spawnSync(process.execPath, [...program.execArgv, program.script, ...args], { env, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * For a process started by {@link spawnNode}: calls `onGone` once when the parent is gone (its end of the IPC
 * channel closed, however it ended). Returns false, and watches nothing, when this process has no channel
 * (started from a shell, a service manager, a container runtime).
 */
export function exitWithParent(onGone: () => void): boolean {
  const channel = process.channel;
  if (channel === undefined) return false;
  process.once('disconnect', onGone);
  // the watch must not keep this process alive once its work is done
  channel.unref();
  return true;
}

/** The parent pid of `pid` (Linux, from /proc), or undefined when it cannot be read. */
function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // `pid (comm) state ppid …`
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    return Number.isInteger(ppid) ? ppid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * For a foreground tool (`mpc dev`): calls `onGone` once when what started this process has ended — its parent
 * (this process is then adopted: its parent pid changes) or its parent's parent (npm runs a script through a
 * shell, which outlives a killed npm). Polls every `intervalMs` on a timer that keeps nothing alive. Returns a
 * function that stops watching.
 */
export function exitWithStarter(onGone: () => void, intervalMs = 1000): () => void {
  const parent = process.ppid;
  const grandparent = parentOf(parent);
  // pid 1 (an init, or the container's first process) outlives everything it could have started
  const watched = [parent, grandparent].filter((pid): pid is number => pid !== undefined && pid > 1);
  const timer = setInterval(() => {
    if (process.ppid === parent && watched.every(isAlive)) return;
    clearInterval(timer);
    onGone();
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * True while a process with this pid runs. Signal 0 probes without signalling; on Linux a zombie (ended, not
 * yet reaped by its parent — in a container without an init, possibly never) also answers it, so /proc tells.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    // EPERM: it exists but belongs to someone else
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    // `pid (comm) S …`: the state follows the last ')', since comm may contain anything
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    // no /proc (not Linux), or the process ended between the two looks
    return !existsSync('/proc/self');
  }
}

/** A TCP port that was free on `host` a moment ago (released again for the caller to bind). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}
