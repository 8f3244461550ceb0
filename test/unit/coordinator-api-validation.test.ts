/**
 * The coordinator API's request validation: each refused input is a 400 naming the field (and the service never
 * sees it), and the hybrid-custody fields and snake_case aliases are checked and passed on.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { assertError, HASH, KEY_A, withApi } from '../helpers/api-harness.js';

test('a malformed messageHash is a 400 naming messageHash', () =>
  withApi(async ({ post, service }) => {
    const res = await post('/api/v1/accounts/acct-1/sign', { messageHash: '0x1234' });
    await assertError(res, 400, 'INVALID_REQUEST', 'messageHash: must be 0x followed by 64 hex characters');
    assert.is(service.count('sign'), 0);
  }));

test('an all-zero messageHash is a 400 naming messageHash; the service never sees it', () =>
  withApi(async ({ post, service }) => {
    const res = await post('/api/v1/accounts/acct-1/sign', { messageHash: `0x${'00'.repeat(32)}` });
    await assertError(
      res,
      400,
      'INVALID_REQUEST',
      'messageHash: must not be all zeros; send the hash of the message to sign',
    );
    assert.is(service.count('sign'), 0);
  }));

test('the service gets messageHash parsed once, as its 32 bytes (any hex case), and the session id as bytes', () =>
  withApi(async ({ post, get, service }) => {
    const upper = `0x${'AB'.repeat(31)}01`;
    assert.is((await post('/api/v1/accounts/acct-9/sign', { messageHash: upper })).status, 200);
    assert.equal(service.calls.at(-1), { method: 'sign', args: ['acct-9', Uint8Array.of(...Array(31).fill(0xab), 1)] });
    await assertError(await get(`/api/v1/sessions/${'cd'.repeat(32)}`), 404, 'NOT_FOUND');
    assert.equal(service.calls.at(-1), { method: 'getSession', args: [new Uint8Array(32).fill(0xcd)] });
  }));

test('a session id that cannot be one (not 64 lowercase hex) is a 404 without asking the service', () =>
  withApi(async ({ get, service }) => {
    for (const id of ['xyz', 'CD'.repeat(32), 'cd'.repeat(31)]) {
      await assertError(await get(`/api/v1/sessions/${id}`), 404, 'NOT_FOUND', `session ${id} not found`);
    }
    assert.is(service.count('getSession'), 0);
  }));

test('client text: control characters and lone surrogates are 400s naming the field; the service never sees them', () =>
  withApi(async ({ get, post, service }) => {
    const control = 'must not contain control characters';
    await assertError(
      await post('/api/v1/accounts', '{"userId":"a\\u0000"}'),
      400,
      'INVALID_REQUEST',
      `userId: ${control}`,
    );
    await assertError(await get('/api/v1/accounts?userId=%1F'), 400, 'INVALID_REQUEST', `userId: ${control}`);
    await assertError(
      await get('/api/v1/accounts?userId=a&userId=b'),
      400,
      'INVALID_REQUEST',
      'userId: expected string, received array',
    );
    await assertError(await get('/api/v1/accounts/%7F'), 400, 'INVALID_REQUEST', `accountId: ${control}`);
    await assertError(
      await post('/api/v1/accounts/%C2%9B/sign', { messageHash: HASH }),
      400,
      'INVALID_REQUEST',
      `accountId: ${control}`,
    );
    await assertError(await get('/api/v1/sessions/%0D'), 400, 'INVALID_REQUEST', `sessionId: ${control}`);
    assert.is(service.calls.length, 0);
    const ok = await get('/api/v1/accounts?userId=%F0%9F%98%80');
    assert.is(ok.status, 200);
    await ok.body?.cancel();
    assert.equal(service.calls.at(-1), { method: 'listAccounts', args: ['\u{1F600}'] });
  }));

test('a field of the wrong type is a 400 naming the field and both types', () =>
  withApi(async ({ post }) => {
    await assertError(
      await post('/api/v1/accounts', { userId: 'u1', threshold: '2' }),
      400,
      'INVALID_REQUEST',
      'threshold: expected number, received string',
    );
    await assertError(
      await post('/api/v1/accounts', { userId: 'u1', parties: 2.5 }),
      400,
      'INVALID_REQUEST',
      'parties: expected integer, received number',
    );
    await assertError(
      await post('/api/v1/accounts', { userId: 'u1', threshold: 1e20 }),
      400,
      'INVALID_REQUEST',
      'threshold: must be at most 16',
    );
  }));

test('a missing field, an unknown field and a threshold above parties are 400s naming the field', () =>
  withApi(async ({ post, get, service }) => {
    await assertError(await post('/api/v1/accounts', {}), 400, 'INVALID_REQUEST', 'userId: required');
    await assertError(
      await post('/api/v1/accounts', { userId: 'u1', admin: true }),
      400,
      'INVALID_REQUEST',
      'admin: unknown field',
    );
    await assertError(
      await post('/api/v1/accounts', { userId: 'u1', threshold: 4 }),
      400,
      'INVALID_REQUEST',
      'threshold: must not exceed parties (3)',
    );
    await assertError(
      await post('/api/v1/accounts', []),
      400,
      'INVALID_REQUEST',
      'body: expected object, received array',
    );
    await assertError(await get('/api/v1/accounts'), 400, 'INVALID_REQUEST', 'userId: required');
    await assertError(await post('/api/v1/accounts', ''), 400, 'INVALID_REQUEST', 'body: required');
    assert.is(service.calls.length, 0);
  }));

test('a 20 KB body is a 400 with the size in the message, declared or streamed, and the server stays usable', () =>
  withApi(async ({ post, server, get }) => {
    const big = { userId: 'x'.repeat(20_000) };
    await assertError(await post('/api/v1/accounts', big), 400, 'INVALID_REQUEST', 'request body exceeds 16384 bytes');
    // Without Content-Length (chunked), the reader counts as it goes.
    const chunk = new TextEncoder().encode('x'.repeat(5000));
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < 4; i++) c.enqueue(chunk);
        c.close();
      },
    });
    const res = await fetch(`${server.url}/api/v1/accounts`, {
      method: 'POST',
      headers: { 'X-API-Key': KEY_A, 'Content-Type': 'application/json' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    await assertError(res, 400, 'INVALID_REQUEST', 'request body exceeds 16384 bytes');
    const after = await get('/api/v1/parties');
    assert.is(after.status, 200);
    await after.body?.cancel();
  }));

test('invalid JSON and a non-JSON content type are 400s', () =>
  withApi(async ({ post }) => {
    await assertError(
      await post('/api/v1/accounts', '{"userId": '),
      400,
      'INVALID_REQUEST',
      'request body is not valid JSON',
    );
    await assertError(
      await post('/api/v1/accounts', 'userId=u1', { 'Content-Type': 'application/x-www-form-urlencoded' }),
      400,
      'INVALID_REQUEST',
      'Content-Type must be application/json',
    );
  }));

// --- hybrid custody, include, and the snake_case aliases of the system this replaces ---

test('custody, requireUserShare, include and requireParties are checked and passed on; user_id is an alias', () =>
  withApi(async ({ post, service }) => {
    const peer = '12D3KooWKVrHd3n7by4LVZy7TdfwoA1XBsPTty3eKU811NBH4i4P';
    const created = await post('/api/v1/accounts', {
      user_id: 'u9',
      custody: 'hybrid',
      threshold: 3,
      parties: 3,
      requireUserShare: true,
      include: [peer],
      requireParties: [peer],
    });
    assert.is(created.status, 201);
    assert.equal(service.calls[0]?.args, [
      {
        userId: 'u9',
        threshold: 3,
        parties: 3,
        custody: 'hybrid',
        requireUserShare: true,
        include: [peer],
        requireParties: [peer],
      },
    ]);
    const refused = async (body: Record<string, unknown>, message: string) =>
      assertError(await post('/api/v1/accounts', body), 400, 'INVALID_REQUEST', message);
    await refused({ user_id: 'a', userId: 'a' }, 'user_id: give userId or user_id, not both');
    await refused(
      { userId: 'a', requireUserShare: true },
      'requireUserShare: needs custody "hybrid" (a server account has no user share)',
    );
    await refused(
      { userId: 'a', custody: 'hybrid', requireUserShare: true },
      'requireUserShare: the 2 persistent parties alone reach the threshold 2, so signing could go on without the user share; use threshold = parties',
    );
    await assertError(await post('/api/v1/accounts', { userId: 'a', custody: 'shared' }), 400, 'INVALID_REQUEST');
    await refused({ userId: 'a', requireParties: [peer] }, `requireParties: ${peer} is not in include`);
    await refused({ userId: 'a', include: [peer, peer] }, 'include: must not name a party twice');
    await refused({ userId: 'a', include: ['not a peer'] }, 'include[0]: must be a party id (a base58btc peer id)');
    assert.is(service.count('createAccount'), 1);
  }));

test('sign: message is an alias of messageHash; userShare and include are passed on; a userShare that is not base64url is refused', () =>
  withApi(async ({ post, service }) => {
    const hash = `0x${'ab'.repeat(32)}`;
    const bytes = Uint8Array.from(Buffer.from('ab'.repeat(32), 'hex'));
    assert.is((await post('/api/v1/accounts/acct-1/sign', { message: hash })).status, 200);
    assert.equal(service.calls.at(-1)?.args, ['acct-1', bytes]);
    const share = Buffer.from('sealed share').toString('base64url');
    assert.is((await post('/api/v1/accounts/acct-1/sign', { messageHash: hash, userShare: share })).status, 200);
    assert.equal(service.calls.at(-1)?.args, [
      'acct-1',
      bytes,
      { userShare: Uint8Array.from(Buffer.from('sealed share')) },
    ]);
    await assertError(
      await post('/api/v1/accounts/acct-1/sign', { messageHash: hash, userShare: 'a+b/c=' }),
      400,
      'INVALID_REQUEST',
      'userShare: must be base64url, as the account creation returned it',
    );
    await assertError(
      await post('/api/v1/accounts/acct-1/sign', { messageHash: hash, message: hash }),
      400,
      'INVALID_REQUEST',
      'message: give messageHash or message, not both',
    );
  }));

test.run();
