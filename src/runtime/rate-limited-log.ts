/**
 * Warnings that can repeat by the thousand (a registration retried while the coordinator restarts, a refused
 * peer dialling again and again, a client guessing API keys, every request answered 503 while parties
 * reconnect) go through a {@link RateLimitedLog}: per key, the first `burst` lines of each interval are written,
 * the rest are counted and summed up in one line when the interval ends (`suppressed: n`). So the log still says
 * what happened and how often, in a few lines instead of thousands.
 */
import type { Log } from './logger.js';

/** Options of {@link RateLimitedLog}. */
export interface RateLimitedLogOptions {
  /** Length of one interval. @default 10 s */
  intervalMs?: number;
  /** Lines written per key and interval before the rest are only counted. @default 1 */
  burst?: number;
  /** Keys tracked at once; past it, new keys share one (a flood of distinct keys is still bounded). @default 1000 */
  maxKeys?: number;
  /** Clock (tests). @default Date.now */
  now?: () => number;
}

type Level = 'info' | 'warn' | 'error';

interface KeyState {
  start: number;
  count: number;
  suppressed: number;
  level: Level;
  msg: string;
  fields: object;
  timer?: NodeJS.Timeout;
}

/** The key new keys share once {@link RateLimitedLogOptions.maxKeys} are tracked. */
export const OVERFLOW_KEY = '(other)';

/** A {@link Log} front that rate-limits by key; see the module comment. */
export class RateLimitedLog {
  private readonly keys = new Map<string, KeyState>();
  private readonly intervalMs: number;
  private readonly burst: number;
  private readonly maxKeys: number;
  private readonly now: () => number;

  constructor(
    private readonly log: Log,
    options: RateLimitedLogOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 10_000;
    this.burst = options.burst ?? 1;
    this.maxKeys = options.maxKeys ?? 1000;
    this.now = options.now ?? Date.now;
  }

  /** A warning, limited per `key` (e.g. the message and the peer or address it concerns). */
  warn(key: string, fields: object, msg: string): void {
    this.emit('warn', key, fields, msg);
  }

  /** An informational line, limited per `key`. */
  info(key: string, fields: object, msg: string): void {
    this.emit('info', key, fields, msg);
  }

  /**
   * This limiter as a plain {@link Log} for code that takes one: `info` and `warn` are limited by
   * `keyOf(fields, msg)` (the message by default), `error` passes straight through (errors are rare and each
   * one matters).
   */
  asLog(keyOf: (fields: object, msg: string) => string = (_f, msg) => msg): Log {
    return {
      info: (fields, msg) => this.info(keyOf(fields, msg), fields, msg),
      warn: (fields, msg) => this.warn(keyOf(fields, msg), fields, msg),
      error: (fields, msg) => this.log.error(fields, msg),
    };
  }

  /** Writes every pending summary now and forgets all keys (at stop, and in tests). */
  flush(): void {
    for (const [key, st] of [...this.keys]) this.end(key, st);
  }

  private emit(level: Level, key: string, fields: object, msg: string): void {
    const now = this.now();
    let k = key;
    let st = this.keys.get(k);
    if (st !== undefined && now - st.start >= this.intervalMs) {
      this.end(k, st);
      st = undefined;
    }
    if (st === undefined) {
      if (this.keys.size >= this.maxKeys) this.dropExpired(now);
      if (this.keys.size >= this.maxKeys) {
        k = OVERFLOW_KEY;
        st = this.keys.get(k);
      }
      if (st === undefined) {
        st = { start: now, count: 0, suppressed: 0, level, msg, fields };
        this.keys.set(k, st);
      }
    }
    st.count++;
    if (st.count <= this.burst) {
      this.log[level](fields, msg);
      return;
    }
    st.suppressed++;
    st.fields = fields;
    if (st.timer === undefined) {
      const state = st;
      const key_ = k;
      state.timer = setTimeout(() => this.end(key_, state), Math.max(0, state.start + this.intervalMs - now));
      state.timer.unref();
    }
  }

  /** Ends a key's interval: forgets it and writes its summary if lines were suppressed. */
  private end(key: string, st: KeyState): void {
    if (st.timer !== undefined) clearTimeout(st.timer);
    if (this.keys.get(key) === st) this.keys.delete(key);
    if (st.suppressed === 0) return;
    const span = this.intervalMs < 1000 ? `${this.intervalMs} ms` : `${Math.round(this.intervalMs / 1000)} s`;
    this.log[st.level](
      { ...st.fields, suppressed: st.suppressed },
      `${st.msg} (${st.suppressed} more like it in ${span})`,
    );
  }

  private dropExpired(now: number): void {
    for (const [key, st] of [...this.keys]) if (now - st.start >= this.intervalMs) this.end(key, st);
  }
}
