/**
 * `Idempotency-Key` support for POSTs. The first request with a key claims it and its response (2xx or 4xx) is
 * stored; a repeat gets that stored response without the work being done again. A 5xx releases the claim, so
 * the client's retry does the work rather than replaying a failure that may have been transient.
 */
import type { Middleware } from 'koa';
import type { Log } from '../../src/runtime/logger.js';
import { sha256hex } from '../crypto/sha256.js';
import type { IdempotencyRepo } from '../db/types.js';
import { CoordinatorError } from '../errors.js';
import { toErrorResponse } from './errors.js';
import type { ApiState } from './state.js';

/** The request header. */
export const IDEMPOTENCY_HEADER = 'Idempotency-Key';
/** The response header set on a replayed response. */
export const REPLAYED_HEADER = 'Idempotent-Replayed';

const VALID_KEY = /^[\x20-\x7e]{1,255}$/;

/**
 * What identifies "the same request": method, path and the exact body bytes. Newlines separate the parts so that
 * no two different requests concatenate to the same input.
 */
export function requestHash(method: string, path: string, rawBody: Uint8Array): string {
  return sha256hex(Buffer.concat([Buffer.from(`${method}\n${path}\n`, 'utf8'), rawBody]));
}

/**
 * Middleware for POST routes, after authentication (the scope is the API-key hash) and the body reader (the
 * request hash covers the raw body). Without the header it does nothing.
 */
export function idempotent(repo: IdempotencyRepo, log: Log): Middleware<ApiState> {
  return async (ctx, next) => {
    const key = ctx.headers[IDEMPOTENCY_HEADER.toLowerCase()];
    if (key === undefined) return next();
    if (typeof key !== 'string' || !VALID_KEY.test(key)) {
      throw new CoordinatorError(
        'INVALID_REQUEST',
        `${IDEMPOTENCY_HEADER}: must be 1 to 255 printable ASCII characters`,
      );
    }
    const scope = ctx.state.apiKeyHash;
    const raw = ctx.state.rawBody;
    if (scope === undefined || raw === undefined) {
      throw new Error('idempotent() must run after requireApiKey() and jsonBody()');
    }
    const claim = await repo.begin(scope, key, requestHash(ctx.method, ctx.path, raw));
    switch (claim.state) {
      case 'done':
        ctx.status = claim.status;
        ctx.body = claim.body;
        ctx.set(REPLAYED_HEADER, 'true');
        return;
      case 'in-progress':
        throw new CoordinatorError('CONFLICT', 'a request with this Idempotency-Key is still in progress');
      case 'mismatch':
        throw new CoordinatorError('CONFLICT', 'Idempotency-Key reused with a different request');
      case 'new':
        break;
    }
    // The error is turned into its response here, not by the outer handler, because that response is what gets
    // stored and replayed.
    try {
      await next();
    } catch (err) {
      const response = toErrorResponse(err, log);
      ctx.status = response.status;
      ctx.body = response.body;
    }
    const status = ctx.status;
    if (status >= 500) {
      await repo.release(scope, key).catch((err: unknown) => log.error({ err }, 'releasing an Idempotency-Key failed'));
    } else {
      // If storing fails the client still gets its answer; the key stays claimed (a retry sees 409) rather than
      // released, because a released key would let a retry repeat work that did happen.
      await repo
        .complete(scope, key, status, ctx.body)
        .catch((err: unknown) => log.error({ err }, 'storing an Idempotency-Key response failed'));
    }
  };
}
