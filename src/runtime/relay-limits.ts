/**
 * The limits of the coordinator's circuit relay, which both sides must agree on: the coordinator's relay server
 * enforces them (coordinator/p2p/relay.ts), and a party replaces a relayed connection before a session when
 * what it has left may not carry the session (src/party/relay-peers.ts). Figures measured over a relayed
 * connection (test/net/relay.test.ts prints them): a first pair setup between two nodes moves ~0.6 MB through
 * the relay, a 2-of-3 keygen ~10 KB, a 2-of-3 signing ~0.2 MB, noise and yamux framing included.
 */

/** Bytes one relayed connection may carry, both directions together, before the relay resets it. */
export const RELAY_CONNECTION_DATA_BYTES = 64 * 1024 * 1024;

/** How long one relayed connection may stay open before the relay resets it. */
export const RELAY_CONNECTION_DURATION_MS = 60 * 60 * 1000;

/**
 * What a relayed connection must have left for a session to start on it: a pair setup and a signing, twice
 * over. A connection with less (or older than {@link RELAY_CONNECTION_MAX_AGE_MS}) is replaced by a fresh one.
 */
export const RELAY_SESSION_BUDGET_BYTES = 2 * 1024 * 1024;

/** A relayed connection older than this is replaced before a session: it could be reset in the middle of one. */
export const RELAY_CONNECTION_MAX_AGE_MS = RELAY_CONNECTION_DURATION_MS - 5 * 60 * 1000;
