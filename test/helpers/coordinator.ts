/**
 * A real coordinator in the test process: REST on a free loopback port, libp2p on a free loopback port, the
 * database of DATABASE_URL when set (CI's PostgreSQL pass) or an in-memory PGlite, and a silent logger.
 */
import { type CoordinatorConfig, type RunningCoordinator, startCoordinator } from '../../coordinator/server.js';
import { SILENT_LOG } from '../../src/runtime/logger.js';

/** Starts a coordinator accepting `apiKey` and admitting `allowedPeers`; `extra` overrides any setting. */
export function startTestCoordinator(
  apiKey: string,
  allowedPeers: string[],
  extra: Partial<CoordinatorConfig> = {},
): Promise<RunningCoordinator> {
  return startCoordinator({
    port: 0,
    host: '127.0.0.1',
    listen: ['/ip4/127.0.0.1/tcp/0'],
    ...(process.env.DATABASE_URL ? { databaseUrl: process.env.DATABASE_URL } : {}),
    apiKeys: [apiKey],
    allowedPeers,
    log: SILENT_LOG,
    ...extra,
  });
}
