/**
 * The API's JSON body reader (no body-parser dependency): reads at most `maxBytes`, insists on
 * `application/json` UTF-8, and keeps the raw bytes because idempotency hashes exactly what was sent.
 */
import type { IncomingMessage } from 'node:http';
import type { Middleware } from 'koa';
import { CoordinatorError } from '../errors.js';
import type { ApiState } from './state.js';

/** Default body cap: 16 KiB is far above any valid request and small enough to hold in memory per request. */
export const DEFAULT_MAX_BODY_BYTES = 16 * 1024;

function tooLarge(maxBytes: number): CoordinatorError {
  return new CoordinatorError('INVALID_REQUEST', `request body exceeds ${maxBytes} bytes`);
}

/** Reads the whole body of `req`, refusing (400) once it passes `maxBytes`. */
export function readRawBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    // Let the rest flow into the void, so the connection stays usable for the error response.
    req.resume();
    return Promise.reject(tooLarge(maxBytes));
  }
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > maxBytes) {
        // Keep draining (listener stays) but drop the data: destroying the stream would kill the socket
        // before the 400 is written.
        over = true;
        chunks.length = 0;
        reject(tooLarge(maxBytes));
        return;
      }
      chunks.push(chunk);
    });
    req.once('end', () => resolve(Buffer.concat(chunks, size)));
    req.once('error', () => reject(new CoordinatorError('INVALID_REQUEST', 'request body was not fully received')));
    req.once('close', () => {
      if (!req.readableEnded) reject(new CoordinatorError('INVALID_REQUEST', 'request body was not fully received'));
    });
  });
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Parses a raw body: undefined when empty; otherwise the `Content-Type` must be `application/json` (charset, if
 * given, UTF-8) and the bytes valid UTF-8 JSON, else 400.
 */
export function parseJsonBody(raw: Uint8Array, contentType: string | undefined): unknown {
  if (raw.length === 0) return undefined;
  const [media = '', ...params] = (contentType ?? '').split(';').map((p) => p.trim().toLowerCase());
  const charset = params.find((p) => p.startsWith('charset='))?.slice('charset='.length);
  if (media !== 'application/json' || (charset !== undefined && charset !== 'utf-8' && charset !== '"utf-8"')) {
    throw new CoordinatorError('INVALID_REQUEST', 'Content-Type must be application/json');
  }
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch {
    throw new CoordinatorError('INVALID_REQUEST', 'request body is not valid UTF-8');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new CoordinatorError('INVALID_REQUEST', 'request body is not valid JSON');
  }
}

/** Middleware that reads and parses the body into `ctx.state.rawBody` and `ctx.state.body`. */
export function jsonBody(maxBytes: number): Middleware<ApiState> {
  return async (ctx, next) => {
    const raw = await readRawBody(ctx.req, maxBytes);
    ctx.state.rawBody = raw;
    ctx.state.body = parseJsonBody(raw, ctx.get('Content-Type') || undefined);
    await next();
  };
}
