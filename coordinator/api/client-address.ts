/**
 * Which address a request comes from, for the allow list and the API-key failure limit. The socket's peer
 * address, unless that peer is one of the operator's reverse proxies (`TRUSTED_PROXIES`): then
 * `X-Forwarded-For` is read from the right, each trusted hop skipped, and the first address that is not a
 * trusted proxy is the client. Entries left of it were written by someone no proxy vouches for and are never
 * read. A direct client (not a trusted proxy) is judged by its socket address whatever header it sends.
 */
import type { Middleware } from 'koa';
import { type AllowList, isAllowed, parseIp } from './ip-allow.js';
import type { ApiState } from './state.js';

/**
 * The client address of a request from `socketAddress` carrying `forwardedFor` (the `X-Forwarded-For` value,
 * several headers joined by commas). An entry that is not an address (garbage, an obfuscated `unknown`) ends the
 * walk and is returned as is: it matches no allow list, so such a request is refused rather than credited to a
 * proxy.
 */
export function clientAddress(socketAddress: string, forwardedFor: string | undefined, trusted: AllowList): string {
  if (trusted.length === 0 || forwardedFor === undefined || !isAllowed(trusted, socketAddress)) return socketAddress;
  const hops = forwardedFor
    .split(',')
    .map((h) => h.trim())
    .filter((h) => h !== '');
  let client = socketAddress;
  for (let i = hops.length - 1; i >= 0; i--) {
    client = bareAddress(hops[i] as string);
    if (parseIp(client) === undefined || !isAllowed(trusted, client)) return client;
  }
  // every hop is a trusted proxy: the leftmost is as far as the chain can be followed
  return client;
}

/** `1.2.3.4:80` → `1.2.3.4`, `[2001:db8::1]:443` → `2001:db8::1`; anything else unchanged. */
function bareAddress(hop: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(hop);
  if (bracketed) return bracketed[1] as string;
  const v4port = /^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$/.exec(hop);
  if (v4port) return v4port[1] as string;
  return hop;
}

/** Middleware that sets `ctx.state.clientIp` with {@link clientAddress} for everything after it. */
export function resolveClientAddress(trusted: AllowList): Middleware<ApiState> {
  return async (ctx, next) => {
    const header = ctx.req.headers['x-forwarded-for'];
    const forwarded = Array.isArray(header) ? header.join(',') : header;
    ctx.state.clientIp = clientAddress(ctx.req.socket.remoteAddress ?? '', forwarded, trusted);
    await next();
  };
}
