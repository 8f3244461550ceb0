/**
 * {@link PartyRepo} over `pg`: the parties the coordinator knows and their presence (`parties`).
 */
import type pg from 'pg';
import type { PartyRole } from '../../protocols/control/control.js';
import type { PartyRepo, PartyRow } from './types.js';

/** A `parties` row as `pg` returns it; `role` is null only for a party admitted but not yet registered. */
interface PartyRecord {
  peer_id: string;
  role: PartyRow['role'] | null;
  version: string | null;
  addresses: string[];
  status: PartyRow['status'];
  last_seen: Date | null;
  admitted_by: PartyRow['admittedBy'];
}

/** The party repository over `pool`. */
export function partyRepo(pool: pg.Pool): PartyRepo {
  return {
    async registered(p) {
      // admitted_by is not in the update list: registering again must not turn a token admission into a
      // config one (or back); new rows default to 'config'.
      await pool.query(
        `INSERT INTO parties (peer_id, role, version, addresses, status, last_seen)
         VALUES ($1, $2, $3, $4, 'online', now())
         ON CONFLICT (peer_id) DO UPDATE SET role = EXCLUDED.role, version = EXCLUDED.version,
           addresses = EXCLUDED.addresses, status = 'online', last_seen = EXCLUDED.last_seen`,
        [p.partyId, p.role, p.version, JSON.stringify(p.addresses)],
      );
    },

    async offline(partyId) {
      await pool.query(`UPDATE parties SET status = 'offline', last_seen = now() WHERE peer_id = $1`, [partyId]);
    },

    async seen(partyId) {
      await pool.query('UPDATE parties SET last_seen = now() WHERE peer_id = $1', [partyId]);
    },

    async allOffline() {
      // last_seen stays: it is when the party was last heard from, which a restart does not change.
      await pool.query(`UPDATE parties SET status = 'offline' WHERE status <> 'offline'`);
    },

    async list() {
      // A party admitted by token but never registered has no role yet: it is not a party to show or use.
      // A revoked party is no longer one of the network's parties.
      const r = await pool.query<PartyRecord>(
        `SELECT peer_id, role, version, addresses, status, last_seen, admitted_by
         FROM parties WHERE role IS NOT NULL AND revoked_at IS NULL ORDER BY peer_id`,
      );
      return r.rows.map(
        (p): PartyRow => ({
          partyId: p.peer_id,
          role: p.role!,
          version: p.version,
          addresses: p.addresses,
          status: p.status,
          lastSeen: p.last_seen,
          admittedBy: p.admitted_by,
        }),
      );
    },

    async admit(partyId, by, role) {
      // a revoked party stays revoked: neither a token nor the configuration admits it again
      await pool.query(
        `INSERT INTO parties (peer_id, admitted_by, admitted_role) VALUES ($1, $2, $3)
         ON CONFLICT (peer_id) DO UPDATE SET admitted_by = EXCLUDED.admitted_by,
           admitted_role = EXCLUDED.admitted_role
         WHERE parties.revoked_at IS NULL`,
        [partyId, by, role ?? null],
      );
    },

    async admittedByToken() {
      const r = await pool.query<{ peer_id: string }>(
        `SELECT peer_id FROM parties WHERE admitted_by IN ('token', 'pool') AND revoked_at IS NULL ORDER BY peer_id`,
      );
      return r.rows.map((p) => p.peer_id);
    },

    async fixedRoles() {
      const r = await pool.query<{ peer_id: string; admitted_role: PartyRole }>(
        `SELECT peer_id, admitted_role FROM parties
         WHERE admitted_role IS NOT NULL AND revoked_at IS NULL ORDER BY peer_id`,
      );
      return r.rows.map((p): [string, PartyRole] => [p.peer_id, p.admitted_role]);
    },

    async revoke(partyId, at) {
      // revoking twice keeps the first time
      const r = await pool.query<{ revoked_at: Date }>(
        `UPDATE parties SET revoked_at = COALESCE(revoked_at, $2), status = 'offline'
         WHERE peer_id = $1 RETURNING revoked_at`,
        [partyId, at],
      );
      return r.rows[0]?.revoked_at;
    },

    async revoked() {
      const r = await pool.query<{ peer_id: string }>(
        'SELECT peer_id FROM parties WHERE revoked_at IS NOT NULL ORDER BY peer_id',
      );
      return r.rows.map((p) => p.peer_id);
    },
  };
}
