/**
 * The coordinator's session journal over a real database (in-memory PGlite, or DATABASE_URL): sessions that end
 * within the batch window — signings from presignatures — are written whole, every one that ended in a window in
 * one statement, with their rows, ends, events in order, record bytes and inventory deletions intact; a read's
 * flush writes the group at once instead of after the window; a failed statement fails every session in it.
 */
import { randomBytes } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { EndedSession, NewSession, SessionRepo } from '../../coordinator/db/types.js';
import { ENDED_BATCH_MS, EndedSessions, Journal } from '../../coordinator/orchestration/journal.js';
import { testDatabase } from '../helpers/database.js';

function newSession(): NewSession {
  return {
    sessionId: randomBytes(32).toString('hex'),
    kind: 'sign',
    accountId: 'acct-journal',
    parties: [
      { partyId: 'party-a', index: 1 },
      { partyId: 'party-b', index: 2 },
    ],
    messageHash: `0x${randomBytes(32).toString('hex')}`,
    attempt: 1,
    retryOf: null,
    record: randomBytes(700),
  };
}

/** The repository with its calls of insertEnded counted (and made to fail while `failing`). */
function counted(sessions: SessionRepo) {
  const calls: number[] = [];
  const state = { failing: false };
  const repo: SessionRepo = {
    ...sessions,
    insertEnded: (ended: readonly EndedSession[]) => {
      calls.push(ended.length);
      return state.failing ? Promise.reject(new Error('database down')) : sessions.insertEnded(ended);
    },
  };
  return { repo, calls, state };
}

function journalOf(repo: SessionRepo, ended: EndedSessions, row: NewSession, errors: unknown[]): Journal {
  const j = new Journal(repo, ended, row.sessionId, (e) => errors.push(e));
  j.open(row);
  j.event('created', { kind: 'sign' });
  j.event('result', { signatureHex: '0x01' }, 'party-b');
  j.finish('completed', { result: { r: '0x01' } });
  return j;
}

test('sessions that ended in one window are written in one statement, whole and in order', async () => {
  const db = await testDatabase();
  try {
    const { repo, calls } = counted(db.repos.sessions);
    const ended = new EndedSessions(repo);
    const errors: unknown[] = [];
    const rows = [newSession(), newSession(), newSession()];
    const journals = rows.map((row) => journalOf(repo, ended, row, errors));
    await Promise.all(journals.map((j) => j.written()));
    assert.equal(calls, [3], 'one statement for the three');
    assert.equal(errors, []);
    for (const row of rows) {
      const stored = await db.repos.sessions.get(row.sessionId);
      assert.is(stored?.status, 'completed');
      assert.equal(stored?.result, { r: '0x01' });
      assert.equal(stored?.parties, row.parties);
      assert.equal(Buffer.from(stored?.record ?? []), Buffer.from(row.record), 'the record bytes');
      assert.equal(
        (await db.repos.sessions.events(row.sessionId)).map((e) => [e.type, e.partyId]),
        [
          ['created', null],
          ['result', 'party-b'],
        ],
      );
    }
  } finally {
    await db.close();
  }
});

test("a read's flush writes the group now; a failed statement fails each of its sessions", async () => {
  const db = await testDatabase();
  try {
    const { repo, calls, state } = counted(db.repos.sessions);
    const ended = new EndedSessions(repo);
    const errors: unknown[] = [];
    const row = newSession();
    const flushed = journalOf(repo, ended, row, errors).flush();
    assert.equal(calls, [1], `the statement went out at once, not after ${ENDED_BATCH_MS} ms`);
    await flushed;
    assert.is((await db.repos.sessions.get(row.sessionId))?.status, 'completed');

    state.failing = true;
    const failing = [newSession(), newSession()].map((r) => journalOf(repo, ended, r, errors));
    await Promise.all(failing.map((j) => j.written()));
    assert.equal(calls, [1, 2]);
    assert.equal(
      errors.map((e) => String(e)),
      ['Error: database down', 'Error: database down'],
    );
  } finally {
    await db.close();
  }
});

test.run();
