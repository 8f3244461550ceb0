/**
 * {@link SessionRepo} over `pg`: sessions and their append-only event log (`sessions`, `session_events`).
 */
import type pg from 'pg';
import type { SessionKind } from '../../protocols/control/record.js';
import type { SessionEventRow, SessionRepo, SessionRow, SessionStatus } from './types.js';

/** A `sessions` row as `pg` returns it (jsonb parsed, bytea as Buffer). */
interface SessionRecord {
  session_id: string;
  kind: SessionKind;
  account_id: string;
  status: SessionStatus;
  parties: { partyId: string; index: number }[];
  message_hash: string | null;
  attempt: number;
  retry_of: string | null;
  record: Buffer;
  result: Record<string, unknown> | null;
  error: SessionRow['error'];
  created_at: Date;
  updated_at: Date;
}

/** A `session_events` row; `id` is bigserial, which `pg` returns as a string. */
interface EventRecord {
  id: string;
  session_id: string;
  type: string;
  party_id: string | null;
  detail: Record<string, unknown>;
  at: Date;
}

/** jsonb parameter: `pg` would send an array as a PostgreSQL array literal, so always send JSON text. */
const json = (v: unknown): string | null => (v === undefined || v === null ? null : JSON.stringify(v));

/** The session repository over `pool`. */
export function sessionRepo(pool: pg.Pool): SessionRepo {
  return {
    async insert(s) {
      await pool.query(
        `INSERT INTO sessions (session_id, kind, account_id, parties, message_hash, attempt, retry_of, record)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [
          s.sessionId,
          s.kind,
          s.accountId,
          json(s.parties.map((p) => ({ partyId: p.partyId, index: p.index }))),
          s.messageHash,
          s.attempt,
          s.retryOf,
          Buffer.from(s.record.buffer, s.record.byteOffset, s.record.byteLength),
        ],
      );
    },

    async finish(sessionId, status, outcome) {
      // COALESCE: a move without an outcome (e.g. to `running`) keeps whatever result/error is stored.
      await pool.query(
        `UPDATE sessions SET status = $2, result = COALESCE($3::jsonb, result), error = COALESCE($4::jsonb, error),
                updated_at = now()
         WHERE session_id = $1`,
        [sessionId, status, json(outcome?.result), json(outcome?.error)],
      );
    },

    async get(sessionId) {
      const r = await pool.query<SessionRecord>('SELECT * FROM sessions WHERE session_id = $1', [sessionId]);
      const row = r.rows[0];
      if (!row) return undefined;
      return {
        sessionId: row.session_id,
        kind: row.kind,
        accountId: row.account_id,
        status: row.status,
        parties: row.parties,
        messageHash: row.message_hash,
        attempt: row.attempt,
        retryOf: row.retry_of,
        // A copy, as a plain Uint8Array: pg's Buffer may be a view into a shared pool slab.
        record: new Uint8Array(row.record),
        result: row.result,
        error: row.error,
        createdAt: row.created_at,
        updatedAt: row.updated_at,
      };
    },

    async appendEvent(sessionId, type, detail, partyId) {
      await pool.query('INSERT INTO session_events (session_id, type, party_id, detail) VALUES ($1, $2, $3, $4)', [
        sessionId,
        type,
        partyId ?? null,
        JSON.stringify(detail ?? {}),
      ]);
    },

    async appendEvents(sessionId, events) {
      if (events.length === 0) return;
      // one statement for the batch: unnest keeps it a single parameterised query whatever its length
      await pool.query(
        `INSERT INTO session_events (session_id, type, party_id, detail, at)
         SELECT $1, t, p, d::jsonb, a FROM unnest($2::text[], $3::text[], $4::text[], $5::timestamptz[])
           WITH ORDINALITY AS e(t, p, d, a, n) ORDER BY n`,
        [
          sessionId,
          events.map((e) => e.type),
          events.map((e) => e.partyId ?? null),
          events.map((e) => JSON.stringify(e.detail ?? {})),
          events.map((e) => e.at),
        ],
      );
    },

    async events(sessionId) {
      // `id` order is append order (bigserial); `at` alone can tie.
      const r = await pool.query<EventRecord>('SELECT * FROM session_events WHERE session_id = $1 ORDER BY id', [
        sessionId,
      ]);
      return r.rows.map(
        (e): SessionEventRow => ({
          id: Number(e.id),
          sessionId: e.session_id,
          type: e.type,
          partyId: e.party_id,
          detail: e.detail,
          at: e.at,
        }),
      );
    },

    async count(kind, status) {
      const r = await pool.query<{ n: string }>('SELECT count(*) AS n FROM sessions WHERE kind = $1 AND status = $2', [
        kind,
        status,
      ]);
      return Number(r.rows[0]?.n ?? 0);
    },
  };
}
