/**
 * What the API's middleware leave on `ctx.state` for the ones after them.
 */

/** The request state shared by the API's middleware. */
export interface ApiState {
  /** The client's address (the socket's, or the forwarded one behind a trusted proxy), set first of all. */
  clientIp?: string;
  /** SHA-256 hex of the caller's API key, set once the key is accepted; the idempotency scope. */
  apiKeyHash?: string;
  /** The request body exactly as received (empty when there was none), set by the JSON body reader. */
  rawBody?: Buffer;
  /** The parsed JSON body, or undefined when the request had none. */
  body?: unknown;
}
