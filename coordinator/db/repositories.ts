/**
 * All repositories of {@link Repositories} over one `pg` pool: the same code serves a real PostgreSQL server and
 * the embedded PGlite (reached through its socket server). Queries are parameterised only.
 */
import type pg from 'pg';
import { accountRepo } from './accounts.js';
import { apiKeyRepo, idempotencyRepo, joinTokenRepo } from './misc.js';
import { partyRepo } from './parties.js';
import { presignatureRepo } from './presignatures.js';
import { recoveryRepo } from './recovery.js';
import { sessionRepo } from './sessions.js';
import type { Repositories } from './types.js';

/** How long `ping` waits for `SELECT 1` (including waiting for a pooled connection). */
const PING_TIMEOUT_MS = 1000;

/** The repositories over `pool` (whose schema `migrate` has brought up to date). */
export function createRepositories(pool: pg.Pool): Repositories {
  return {
    accounts: accountRepo(pool),
    presignatures: presignatureRepo(pool),
    sessions: sessionRepo(pool),
    parties: partyRepo(pool),
    apiKeys: apiKeyRepo(pool),
    idempotency: idempotencyRepo(pool),
    joinTokens: joinTokenRepo(pool),
    recovery: recoveryRepo(pool),
    ping: () => ping(pool),
  };
}

/** True when `SELECT 1` answers within {@link PING_TIMEOUT_MS}; never throws (health checks call it). */
async function ping(pool: pg.Pool): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), PING_TIMEOUT_MS);
  });
  const query = pool.query('SELECT 1').then(
    () => true,
    () => false,
  );
  try {
    return await Promise.race([query, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
