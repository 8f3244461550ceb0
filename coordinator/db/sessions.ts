/**
 * {@link SessionRepo} over `pg`: sessions and their append-only event log (`sessions`, `session_events`).
 */
import type pg from 'pg';
import type { SessionKind } from '../../protocols/control/record.js';
import type {
  NewSession,
  SessionEventInput,
  SessionEventRow,
  SessionRepo,
  SessionRow,
  SessionStatus,
} from './types.js';

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

/**
 * Appends events to session `$1` in one statement, in order: the four arrays (types, party ids, details, times)
 * are parameters `$at..$at+3`; unnest keeps it a single parameterised query whatever its length.
 */
function appendEvents(at: number): string {
  return `INSERT INTO session_events (session_id, type, party_id, detail, at)
  SELECT $1, t, p, d::jsonb, a FROM unnest($${at}::text[], $${at + 1}::text[], $${at + 2}::text[], $${at + 3}::timestamptz[])
    WITH ORDINALITY AS e(t, p, d, a, n) ORDER BY n`;
}

/** The columns of a new session row, in the order of {@link sessionValues}. */
const SESSION_COLUMNS = 'session_id, kind, account_id, parties, message_hash, attempt, retry_of, record';

/** The parameters `$1..$8` of a new session row. */
function sessionValues(s: NewSession): unknown[] {
  return [
    s.sessionId,
    s.kind,
    s.accountId,
    json(s.parties.map((p) => ({ partyId: p.partyId, index: p.index }))),
    s.messageHash,
    s.attempt,
    s.retryOf,
    Buffer.from(s.record.buffer, s.record.byteOffset, s.record.byteLength),
  ];
}

/** A WITH item deleting the inventory row of presignature `$at` (the signing that uses it). */
function consumed(at: number): string {
  return `used AS (DELETE FROM presignatures WHERE presignature_id = $${at})`;
}

/**
 * {@link SessionRepo.insertEnded}: `$1..$11` the session columns and the end (status, result, error) as arrays,
 * `$12` the presignatures whose inventory rows go, `$13..$17` the events (session, type, party, detail, time).
 */
const INSERT_ENDED = `WITH used AS (DELETE FROM presignatures WHERE presignature_id = ANY($12::text[])),
  ended AS (INSERT INTO sessions (${SESSION_COLUMNS}, status, result, error)
    SELECT s, k, a, p::jsonb, m, n, r, b, st, re::jsonb, er::jsonb
    FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::text[], $8::bytea[],
      $9::text[], $10::text[], $11::text[]) AS x(s, k, a, p, m, n, r, b, st, re, er))
  INSERT INTO session_events (session_id, type, party_id, detail, at)
    SELECT s, t, p, d::jsonb, a FROM unnest($13::text[], $14::text[], $15::text[], $16::text[], $17::timestamptz[])
      WITH ORDINALITY AS e(s, t, p, d, a, n) ORDER BY n`;

/** The four array parameters of {@link appendEvents}. */
function eventColumns(events: readonly SessionEventInput[]): unknown[] {
  return [
    events.map((e) => e.type),
    events.map((e) => e.partyId ?? null),
    events.map((e) => JSON.stringify(e.detail ?? {})),
    events.map((e) => e.at),
  ];
}

/** The session repository over `pool`. */
export function sessionRepo(pool: pg.Pool): SessionRepo {
  return {
    async insert(s, consumes) {
      const insert = `INSERT INTO sessions (${SESSION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`;
      // a data-modifying WITH runs whether or not the statement reads it
      if (consumes === undefined) await pool.query(insert, sessionValues(s));
      else await pool.query(`WITH ${consumed(9)} ${insert}`, [...sessionValues(s), consumes]);
    },

    async insertEnded(ended) {
      if (ended.length === 0) return;
      // column-wise arrays, unnested in the statement: one parameterised query for any number of sessions
      const rows: unknown[][] = Array.from({ length: 11 }, () => []);
      const events: unknown[][] = Array.from({ length: 5 }, () => []);
      const consumed: string[] = [];
      for (const { row, end, events: own, consumes } of ended) {
        const values = [...sessionValues(row), end.status, json(end.outcome?.result), json(end.outcome?.error)];
        values.forEach((v, i) => {
          rows[i]?.push(v);
        });
        for (const e of own) {
          [row.sessionId, e.type, e.partyId ?? null, JSON.stringify(e.detail ?? {}), e.at].forEach((v, i) => {
            events[i]?.push(v);
          });
        }
        if (consumes !== undefined) consumed.push(consumes);
      }
      await pool.query(INSERT_ENDED, [...rows, consumed, ...events]);
    },

    async finish(sessionId, status, outcome, events) {
      // COALESCE: a move without an outcome (e.g. to `running`) keeps whatever result/error is stored.
      const update = `UPDATE sessions SET status = $2, result = COALESCE($3::jsonb, result),
                error = COALESCE($4::jsonb, error), updated_at = now()
         WHERE session_id = $1`;
      const values = [sessionId, status, json(outcome?.result), json(outcome?.error)];
      if (!events || events.length === 0) {
        await pool.query(update, values);
        return;
      }
      // one round trip: a data-modifying WITH runs whether or not the statement reads it
      await pool.query(`WITH appended AS (${appendEvents(5)}) ${update}`, [...values, ...eventColumns(events)]);
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
      await pool.query(appendEvents(2), [sessionId, ...eventColumns(events)]);
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
