/**
 * The gates in front of the API: the client-address allow list (403), then the `X-API-Key` check (401), with a
 * lockout (429) for an address that fails it too often. The address is checked first, so a caller outside the
 * list learns nothing about keys.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Middleware } from 'koa';
import type { Log } from '../../src/runtime/logger.js';
import type { RateLimitedLog } from '../../src/runtime/rate-limited-log.js';
import type { ApiKeyRepo } from '../db/types.js';
import { CoordinatorError } from '../errors.js';
import type { AuthFailures } from './auth-failures.js';
import { type AllowList, isAllowed } from './ip-allow.js';
import type { CoordinatorMetrics } from './metrics.js';
import type { ApiState } from './state.js';

/**
 * Refuses, with 403 FORBIDDEN, a client whose address (`ctx.state.clientIp`, see client-address.ts) is not in
 * `allow`.
 */
export function requireAllowedIp(allow: AllowList): Middleware<ApiState> {
  return async (ctx, next) => {
    const ip = ctx.state.clientIp ?? ctx.req.socket.remoteAddress ?? '';
    if (!isAllowed(allow, ip)) throw new CoordinatorError('FORBIDDEN', 'client address not allowed');
    await next();
  };
}

/** What {@link requireApiKey} needs besides the keys. */
export interface ApiKeyGuard {
  apiKeyUse: ApiKeyRepo;
  log: Log;
  /** Failed attempts by address, and the lockout. */
  failures: AuthFailures;
  /** Where refused attempts are counted. */
  metrics: Pick<CoordinatorMetrics, 'apiKeyFailure' | 'apiKeyLockout'>;
  /** Refused attempts are logged through it: one line per address and interval, with a count. */
  warnings: RateLimitedLog;
}

/**
 * Refuses, with 401 UNAUTHORIZED, a request without an `X-API-Key` equal to one of `keys`, counting and logging
 * (rate-limited) every refusal; an address with too many refusals in a minute gets 429 RATE_LIMITED with
 * `Retry-After` until its lockout ends, whatever it sends. On success sets `ctx.state.apiKeyHash` and records
 * the key's use without waiting for it (a slow or failing usage table must not fail or slow requests).
 */
export function requireApiKey(keys: readonly string[], guard: ApiKeyGuard): Middleware<ApiState> {
  if (keys.length === 0) throw new Error('at least one API key is required');
  if (keys.some((k) => k.length === 0)) throw new Error('API keys must not be empty');
  const { apiKeyUse, log, failures, metrics, warnings } = guard;
  // Comparing fixed-length digests, never the keys themselves, keeps the compare constant-time and hides the
  // configured keys' lengths.
  const digests = keys.map((k) => createHash('sha256').update(k).digest());
  const refuse = (ip: string, reason: 'missing' | 'invalid', path: string): never => {
    metrics.apiKeyFailure(reason);
    warnings.warn(`api-key:${ip}`, { client: ip, reason, path }, 'refused a request with a missing or invalid API key');
    if (failures.fail(ip)) {
      metrics.apiKeyLockout();
      warnings.warn(
        `api-key-lockout:${ip}`,
        { client: ip, lockoutSeconds: failures.limit.lockoutSeconds },
        'too many failed API-key attempts; the address is locked out',
      );
    }
    throw new CoordinatorError('UNAUTHORIZED', reason === 'missing' ? 'missing X-API-Key header' : 'invalid API key');
  };
  return async (ctx, next) => {
    const ip = ctx.state.clientIp ?? ctx.req.socket.remoteAddress ?? '';
    const wait = failures.retryAfter(ip);
    if (wait > 0) {
      // set before the throw: the error handler keeps headers already set
      ctx.set('Retry-After', String(wait));
      throw new CoordinatorError(
        'RATE_LIMITED',
        `too many failed API-key attempts from this address; retry in ${wait} s`,
      );
    }
    const presented = ctx.get('X-API-Key');
    if (presented === '') refuse(ip, 'missing', ctx.path);
    const digest = createHash('sha256').update(presented).digest();
    let accepted = false;
    // No early exit: every configured key is compared, so timing does not tell which one (if any) matched.
    for (const d of digests) accepted = timingSafeEqual(d, digest) || accepted;
    if (!accepted) refuse(ip, 'invalid', ctx.path);
    const keyHash = digest.toString('hex');
    ctx.state.apiKeyHash = keyHash;
    Promise.resolve()
      .then(() => apiKeyUse.recordUse(keyHash))
      .catch((err: unknown) => log.warn({ err }, 'recording API key use failed'));
    await next();
  };
}
