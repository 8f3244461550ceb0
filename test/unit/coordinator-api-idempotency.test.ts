/**
 * The coordinator API's Idempotency-Key handling: replay, conflicts, release after a 5xx, and scoping by API key.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CoordinatorError } from '../../coordinator/errors.js';
import { assertError, deferred, KEY_B, withApi } from '../helpers/api-harness.js';

test('the same Idempotency-Key twice replays the identical response and calls the service once', () =>
  withApi(async ({ post, service }) => {
    const headers = { 'Idempotency-Key': 'create-u1-once' };
    const first = await post('/api/v1/accounts', { userId: 'u1' }, headers);
    const second = await post('/api/v1/accounts', { userId: 'u1' }, headers);
    assert.is(first.status, 201);
    assert.is(second.status, 201);
    assert.is(first.headers.get('Idempotent-Replayed'), null);
    assert.is(second.headers.get('Idempotent-Replayed'), 'true');
    assert.is(await second.text(), await first.text());
    assert.is(service.count('createAccount'), 1);
  }));

test('an Idempotency-Key reused with a different body is a 409 CONFLICT', () =>
  withApi(async ({ post, service }) => {
    const headers = { 'Idempotency-Key': 'k1' };
    assert.is((await post('/api/v1/accounts', { userId: 'u1' }, headers)).status, 201);
    await assertError(
      await post('/api/v1/accounts', { userId: 'u2' }, headers),
      409,
      'CONFLICT',
      'Idempotency-Key reused with a different request',
    );
    assert.is(service.count('createAccount'), 1);
  }));

test('an Idempotency-Key whose first request is still running is a 409 CONFLICT', () =>
  withApi(async ({ post, service }) => {
    const gate = deferred();
    service.gate = gate.promise;
    const headers = { 'Idempotency-Key': 'slow' };
    const first = post('/api/v1/accounts', { userId: 'u1' }, headers);
    await service.entered.promise;
    await assertError(
      await post('/api/v1/accounts', { userId: 'u1' }, headers),
      409,
      'CONFLICT',
      'a request with this Idempotency-Key is still in progress',
    );
    gate.resolve();
    assert.is((await first).status, 201);
    assert.is(service.count('createAccount'), 1);
  }));

test('a 5xx releases the Idempotency-Key so the retry does the work; a 4xx is stored and replayed', () =>
  withApi(async ({ post, service, idempotency }) => {
    service.createErrors.push(new CoordinatorError('UNAVAILABLE', 'not enough parties online'));
    const headers = { 'Idempotency-Key': 'retry-me' };
    await assertError(await post('/api/v1/accounts', { userId: 'u1' }, headers), 503, 'UNAVAILABLE');
    assert.equal(
      idempotency.calls.map((c) => c[0]),
      ['begin', 'release'],
    );
    const retry = await post('/api/v1/accounts', { userId: 'u1' }, headers);
    assert.is(retry.status, 201);
    assert.is(retry.headers.get('Idempotent-Replayed'), null);
    await retry.body?.cancel();
    assert.is(service.count('createAccount'), 2);

    const bad = { 'Idempotency-Key': 'bad-request' };
    const first = await post('/api/v1/accounts/acct-1/sign', { messageHash: '0x' }, bad);
    const replay = await post('/api/v1/accounts/acct-1/sign', { messageHash: '0x' }, bad);
    assert.is(replay.status, 400);
    assert.is(replay.headers.get('Idempotent-Replayed'), 'true');
    assert.is(await replay.text(), await first.text());
  }));

test('Idempotency-Keys are scoped by API key, and a malformed key is a 400', () =>
  withApi(async ({ post, service }) => {
    const headers = { 'Idempotency-Key': 'shared' };
    assert.is((await post('/api/v1/accounts', { userId: 'u1' }, headers)).status, 201);
    const other = await post('/api/v1/accounts', { userId: 'u1' }, { ...headers, 'X-API-Key': KEY_B });
    assert.is(other.status, 201);
    assert.is(other.headers.get('Idempotent-Replayed'), null);
    await other.body?.cancel();
    assert.is(service.count('createAccount'), 2);
    await assertError(
      await post('/api/v1/accounts', { userId: 'u1' }, { 'Idempotency-Key': 'x'.repeat(256) }),
      400,
      'INVALID_REQUEST',
      'Idempotency-Key: must be 1 to 255 printable ASCII characters',
    );
  }));

test.run();
