/**
 * The coordinator API's authentication: API keys, their recorded use, and the lockout after failed attempts.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AuthFailures } from '../../coordinator/api/auth-failures.js';
import { sha256hex } from '../../coordinator/crypto/sha256.js';
import { assertError, KEY_A, KEY_B, withApi } from '../helpers/api-harness.js';

test('a request without X-API-Key is refused with 401 UNAUTHORIZED', () =>
  withApi(async ({ get, service }) => {
    await assertError(await get('/api/v1/parties', { 'X-API-Key': '' }), 401, 'UNAUTHORIZED');
    assert.is(service.calls.length, 0);
  }));

test('a request with an unknown X-API-Key is refused with 401 and the exact error body', () =>
  withApi(async ({ get }) => {
    const res = await get('/api/v1/parties', { 'X-API-Key': `${KEY_A}x` });
    assert.is(res.status, 401);
    assert.equal(await res.json(), { error: { code: 'UNAUTHORIZED', message: 'invalid API key' } });
  }));

test('the second of two configured keys is accepted and its use is recorded by hash', () =>
  withApi(async ({ get, apiKeyUse }) => {
    const res = await get('/api/v1/parties', { 'X-API-Key': KEY_B });
    assert.is(res.status, 200);
    assert.equal(await res.json(), {
      parties: [{ partyId: 'party-1', role: 'persistent', status: 'online', addresses: [], lastSeen: null, bans: [] }],
    });
    assert.is(apiKeyUse.uses.get(sha256hex(KEY_B))?.uses, 1);
    assert.is(apiKeyUse.uses.has(KEY_B), false);
  }));

test('a failing key-use recorder is logged and does not fail the request', () => {
  const errors: object[] = [];
  const warnings: object[] = [];
  return withApi(
    async ({ server }) => {
      const res = await fetch(`${server.url}/api/v1/parties`, { headers: { 'X-API-Key': KEY_A } });
      assert.is(res.status, 200);
      await res.body?.cancel();
      assert.is(warnings.length, 1);
    },
    {
      apiKeys: [KEY_A],
      apiKeyUse: {
        recordUse: async () => {
          throw new Error('usage table down');
        },
        usage: async () => undefined,
      },
      log: { info() {}, warn: (o) => warnings.push(o), error: (o) => errors.push(o) },
    },
  );
});

test('failed API-key attempts are counted and logged (rate-limited); past the limit the address gets 429', () => {
  const warnings: { fields: Record<string, unknown>; msg: string }[] = [];
  return withApi(
    async ({ server }) => {
      const get = (key: string) => fetch(`${server.url}/api/v1/parties`, { headers: { 'X-API-Key': key } });
      for (let i = 0; i < 5; i++) await assertError(await get(i % 2 ? '' : 'wrong-key'), 401, 'UNAUTHORIZED');
      const sixth = await get('wrong-key');
      await assertError(sixth, 401, 'UNAUTHORIZED');
      // the sixth failure in a minute locks the address out, even with the right key
      for (const key of ['wrong-key', KEY_A]) {
        const res = await get(key);
        assert.is(res.headers.get('retry-after'), '30');
        await assertError(
          res,
          429,
          'RATE_LIMITED',
          'too many failed API-key attempts from this address; retry in 30 s',
        );
      }
      // one line per address for the refusals, one for the lockout; the count follows in the summary
      assert.equal(
        warnings.map((w) => w.msg),
        [
          'refused a request with a missing or invalid API key',
          'too many failed API-key attempts; the address is locked out',
        ],
      );
      assert.equal(warnings[0]?.fields, { client: '127.0.0.1', reason: 'invalid', path: '/api/v1/parties' });
      const text = await (await fetch(`${server.url}/metrics`)).text();
      assert.match(text, 'coordinator_api_key_failures_total{reason="invalid"} 4');
      assert.match(text, 'coordinator_api_key_failures_total{reason="missing"} 2');
      assert.match(text, 'coordinator_api_key_lockouts_total 1');
      assert.match(text, 'coordinator_http_requests_total{method="GET",route="/api/v1/parties",status="429"} 2');
    },
    {
      apiKeys: [KEY_A],
      log: { info() {}, warn: (fields, msg) => warnings.push({ fields: fields as never, msg }), error() {} },
      authFailureLimit: { perMinute: 5, lockoutSeconds: 30 },
    },
  );
});

test('AuthFailures: a window of a minute, a lockout, then a fresh window; IPv6 counted by /64', () => {
  let now = 0;
  const f = new AuthFailures({ perMinute: 2, lockoutSeconds: 10 }, () => now);
  assert.not.ok(f.fail('10.0.0.1'));
  assert.not.ok(f.fail('10.0.0.1'));
  now = 60_000; // a new minute: the count starts again
  assert.not.ok(f.fail('10.0.0.1'));
  assert.not.ok(f.fail('10.0.0.1'));
  assert.ok(f.fail('10.0.0.1'), 'the third in a minute locks out');
  assert.is(f.retryAfter('10.0.0.1'), 10);
  assert.is(f.retryAfter('::ffff:10.0.0.1'), 10, 'the same address however the socket reports it');
  assert.is(f.retryAfter('10.0.0.2'), 0);
  now += 9_001;
  assert.is(f.retryAfter('10.0.0.1'), 1);
  now += 1_000;
  assert.is(f.retryAfter('10.0.0.1'), 0);
  f.fail('2001:db8::1');
  f.fail('2001:db8::2');
  assert.ok(f.fail('2001:db8::ffff:3'), 'one /64');
  assert.ok(f.retryAfter('2001:db8::9') > 0);
  assert.is(f.retryAfter('2001:db8:0:1::1'), 0, 'another /64');
  assert.throws(() => new AuthFailures({ perMinute: 0, lockoutSeconds: 1 }), /perMinute/);
});

test.run();
