/**
 * Client strings against the real database (PGlite, or the PostgreSQL of DATABASE_URL): NUL, other control
 * characters and unpaired surrogates in a body field, a query parameter, a path id or an unknown field name are
 * refused with a 400 naming the field before they reach SQL (PostgreSQL refuses NUL in text and jsonb, which was
 * a 500); a well-formed id that names nothing is a 404; an idempotent request with such a field is stored and
 * replayed, not left claimed.
 */
// biome-ignore-all lint/suspicious/noExplicitAny: JSON bodies of the API under test are read loosely
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { RunningCoordinator } from '../../coordinator/server.js';
import { startTestCoordinator } from '../helpers/coordinator.js';

const API_KEY = 'input-test-api-key-0123456789';
const HASH = `0x${'ab'.repeat(32)}`;
let coordinator: RunningCoordinator;

async function call(method: string, path: string, body?: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${coordinator.apiUrl}${path}`, {
    method,
    headers: {
      'x-api-key': API_KEY,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    ...(body !== undefined ? { body } : {}),
  });
  return { status: res.status, body: (await res.json()) as any };
}

function assert400(r: { status: number; body: any }, message: string, what: string) {
  assert.is(r.status, 400, `${what}: ${JSON.stringify(r.body)}`);
  assert.equal(r.body, { error: { code: 'INVALID_REQUEST', message } }, what);
}

const CONTROL = 'must not contain control characters';
const SURROGATE = 'must be well-formed Unicode (it contains an unpaired surrogate)';

test.before(async () => {
  coordinator = await startTestCoordinator(API_KEY, []);
});

test.after(async () => {
  await coordinator.stop();
});

test('a userId with NUL, another control character or a lone surrogate is a 400 naming userId', async () => {
  // JSON escapes, so that the body itself is valid UTF-8 JSON and only the decoded string is bad
  for (const [escaped, problem] of [
    ['a\\u0000b', CONTROL],
    ['a\\u0007b', CONTROL],
    ['a\\u001bb', CONTROL],
    ['a\\u007fb', CONTROL],
    ['a\\u0085b', CONTROL],
    ['a\\ud800', SURROGATE],
    ['\\udc00b', SURROGATE],
  ] as const) {
    assert400(await call('POST', '/api/v1/accounts', `{"userId":"${escaped}"}`), `userId: ${problem}`, escaped);
  }
  // a surrogate pair (an emoji) and other non-ASCII text are fine: they reach the service (503: no parties)
  for (const ok of ['\\ud83d\\ude00', 'Zoë', '用户']) {
    const r = await call('POST', '/api/v1/accounts', `{"userId":"${ok}"}`);
    assert.is(r.status, 503, ok);
  }
});

test('?userId= with NUL, a control character or invalid percent-encoding is a 400 naming userId', async () => {
  assert400(await call('GET', '/api/v1/accounts?userId=a%00b'), `userId: ${CONTROL}`, 'NUL');
  assert400(await call('GET', '/api/v1/accounts?userId=a%0Ab'), `userId: ${CONTROL}`, 'LF');
  assert400(await call('GET', '/api/v1/accounts?userId=a%FFb'), 'userId: not valid percent-encoded UTF-8', 'xFF');
  assert400(
    await call('GET', '/api/v1/accounts?userId=%ED%A0%80'),
    'userId: not valid percent-encoded UTF-8',
    'an encoded surrogate',
  );
  assert400(await call('GET', '/api/v1/accounts?userId=u&x%00=1'), 'x\\u0000: unknown field', 'a NUL name');
  const fine = await call('GET', '/api/v1/accounts?userId=Zo%C3%AB+x');
  assert.is(fine.status, 200);
  assert.equal(fine.body, { accounts: [] });
});

test('a path id with NUL or a control character is a 400 naming it, on every route with an id', async () => {
  const sign = JSON.stringify({ messageHash: HASH });
  assert400(await call('GET', '/api/v1/accounts/a%00b'), `accountId: ${CONTROL}`, 'get account');
  assert400(await call('GET', '/api/v1/accounts/a%01b'), `accountId: ${CONTROL}`, 'get account, SOH');
  assert400(await call('POST', '/api/v1/accounts/a%00b/sign', sign), `accountId: ${CONTROL}`, 'sign');
  assert400(await call('GET', '/api/v1/sessions/a%00b'), `sessionId: ${CONTROL}`, 'session');
  assert400(
    await call('GET', `/api/v1/accounts/${'a'.repeat(129)}`),
    'accountId: must be at most 128 characters long',
    'too long',
  );
});

test('a well-formed id that names nothing is a 404', async () => {
  const id = '6f1c1d2e-0000-4000-8000-000000000000';
  const r = await call('GET', `/api/v1/accounts/${id}`);
  assert.is(r.status, 404);
  assert.equal(r.body, { error: { code: 'NOT_FOUND', message: `account ${id} not found` } });
  assert.is((await call('POST', `/api/v1/accounts/${id}/sign`, JSON.stringify({ messageHash: HASH }))).status, 404);
  assert.is((await call('GET', `/api/v1/sessions/${'ab'.repeat(32)}`)).status, 404);
});

test('an unknown field named with NUL is a 400 that an Idempotency-Key stores and replays', async () => {
  const body = '{"userId":"u","\\u0000":1,"\\ud800":2}';
  const headers = { 'idempotency-key': 'nul-field' };
  const first = await call('POST', '/api/v1/accounts', body, headers);
  assert400(first, '\\u0000: unknown field; \\ud800: unknown field', 'first');
  const again = await call('POST', '/api/v1/accounts', body, headers);
  assert400(again, '\\u0000: unknown field; \\ud800: unknown field', 'replayed, not 409 in progress');
});

test.run();
