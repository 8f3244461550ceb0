/**
 * The two gates in front of the API: the client-address allow list (403) and the `X-API-Key` check (401).
 * The address is checked first, so a caller outside the list learns nothing about keys.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Middleware } from 'koa';
import type { Log } from '../../src/runtime/logger.js';
import type { ApiKeyRepo } from '../db/types.js';
import { CoordinatorError } from '../errors.js';
import { type AllowList, isAllowed } from './ip-allow.js';
import type { ApiState } from './state.js';

/** Refuses, with 403 FORBIDDEN, a client whose address (`ctx.request.ip`) is not in `allow`. */
export function requireAllowedIp(allow: AllowList): Middleware<ApiState> {
  return async (ctx, next) => {
    // Koa's `ip` is the socket's address unless `app.proxy` is set, which is how `trustProxy` is honoured.
    const ip = ctx.request.ip || ctx.req.socket.remoteAddress || '';
    if (!isAllowed(allow, ip)) throw new CoordinatorError('FORBIDDEN', 'client address not allowed');
    await next();
  };
}

/**
 * Refuses, with 401 UNAUTHORIZED, a request without an `X-API-Key` equal to one of `keys`. On success sets
 * `ctx.state.apiKeyHash` and records the key's use without waiting for it (a slow or failing usage table must
 * not fail or slow requests).
 */
export function requireApiKey(keys: readonly string[], apiKeyUse: ApiKeyRepo, log: Log): Middleware<ApiState> {
  if (keys.length === 0) throw new Error('at least one API key is required');
  if (keys.some((k) => k.length === 0)) throw new Error('API keys must not be empty');
  // Comparing fixed-length digests, never the keys themselves, keeps the compare constant-time and hides the
  // configured keys' lengths.
  const digests = keys.map((k) => createHash('sha256').update(k).digest());
  return async (ctx, next) => {
    const presented = ctx.get('X-API-Key');
    if (presented === '') throw new CoordinatorError('UNAUTHORIZED', 'missing X-API-Key header');
    const digest = createHash('sha256').update(presented).digest();
    let accepted = false;
    // No early exit: every configured key is compared, so timing does not tell which one (if any) matched.
    for (const d of digests) accepted = timingSafeEqual(d, digest) || accepted;
    if (!accepted) throw new CoordinatorError('UNAUTHORIZED', 'invalid API key');
    const keyHash = digest.toString('hex');
    ctx.state.apiKeyHash = keyHash;
    Promise.resolve()
      .then(() => apiKeyUse.recordUse(keyHash))
      .catch((err: unknown) => log.warn({ err }, 'recording API key use failed'));
    await next();
  };
}
