/**
 * Turns anything thrown while serving a request into the API's one error shape,
 * `{"error":{"code","message","details"?}}`, with the code's HTTP status. Only {@link CoordinatorError}
 * messages reach clients: anything else is logged and answered with a generic 500, so internals never leak.
 */
import type { Middleware } from 'koa';
import type { Log } from '../../src/runtime/logger.js';
import { type ApiErrorCode, CoordinatorError, HTTP_STATUS, isCoordinatorError } from '../errors.js';
import type { ApiState } from './state.js';

/** The body of every error response. */
export interface ErrorBody {
  error: {
    code: ApiErrorCode;
    message: string;
    details?: Record<string, unknown>;
  };
}

/** An error response: status and body. */
export interface ErrorResponse {
  status: number;
  body: ErrorBody;
}

/** The message of every 500: fixed, because the real one may name internals. */
export const INTERNAL_MESSAGE = 'internal error';

/** Client-error statuses that Koa or the router may throw themselves, and the code each becomes. */
const HTTP_ERROR_CODES: Readonly<Record<number, ApiErrorCode>> = {
  400: 'INVALID_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'NOT_FOUND',
  409: 'CONFLICT',
  413: 'INVALID_REQUEST',
  415: 'INVALID_REQUEST',
};

/** A Koa `HttpError` (from `ctx.throw` or http-errors) that is meant to be shown. */
function exposedHttpError(err: unknown): { status: number; message: string } | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const { status, expose, message } = err as { status?: unknown; expose?: unknown; message?: unknown };
  if (typeof status !== 'number' || expose !== true || typeof message !== 'string') return undefined;
  return { status, message };
}

/** Maps `err` to the response a client sees, logging what the client must not see. */
export function toErrorResponse(err: unknown, log: Log): ErrorResponse {
  if (isCoordinatorError(err)) {
    // the API's codes are the CoordinatorError codes; the status follows from the code alone
    const status = HTTP_STATUS[err.code];
    if (status >= 500) log.warn({ code: err.code, message: err.message, details: err.details }, 'request failed');
    const body: ErrorBody = { error: { code: err.code, message: err.message } };
    if (err.details !== undefined) body.error.details = { ...err.details };
    return { status, body };
  }
  const http = exposedHttpError(err);
  const code = http === undefined ? undefined : HTTP_ERROR_CODES[http.status];
  if (http !== undefined && code !== undefined) {
    return { status: HTTP_STATUS[code], body: { error: { code, message: http.message } } };
  }
  log.error({ err }, 'unhandled error while serving a request');
  return { status: 500, body: { error: { code: 'INTERNAL', message: INTERNAL_MESSAGE } } };
}

/** Middleware that answers every error thrown below it with {@link toErrorResponse}. */
export function errorHandler(log: Log): Middleware<ApiState> {
  return async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      if (ctx.headerSent) {
        // Too late for an error response; the client sees a cut connection.
        log.error({ err }, 'error after the response started');
        return;
      }
      const { status, body } = toErrorResponse(err, log);
      ctx.status = status;
      ctx.body = body;
    }
  };
}

/** The last middleware: anything that reaches it matched no route, so it is a 404 in the error shape. */
export function notFound(): Middleware<ApiState> {
  return async (ctx) => {
    throw new CoordinatorError('NOT_FOUND', `no route for ${ctx.method} ${ctx.path}`);
  };
}
