/**
 * The coordinator API's routes and error shape: account, signing, join-token and party routes, the status codes
 * of service errors, unknown routes, and the OpenAPI document listing every registered route.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseAllowList } from '../../coordinator/api/ip-allow.js';
import { CoordinatorMetrics } from '../../coordinator/api/metrics.js';
import { OPENAPI_DOCUMENT } from '../../coordinator/api/openapi.js';
import { createRouter, registeredRoutes } from '../../coordinator/api/routes.js';
import type { AccountView, JoinTokenView, SignatureView } from '../../coordinator/service.js';
import { MemoryApiKeyRepo, MemoryIdempotencyRepo } from '../helpers/api-fakes.js';
import {
  assertError,
  BROKEN_ACCOUNT,
  FAILING_ACCOUNT,
  FakeService,
  HASH,
  KEY_A,
  KNOWN_PEER,
  withApi,
} from '../helpers/api-harness.js';

test('create, get and list accounts return the views with 201/200', () =>
  withApi(async ({ post, get, service }) => {
    const created = await post('/api/v1/accounts', { userId: 'u1' });
    assert.is(created.status, 201);
    const account = (await created.json()) as AccountView;
    assert.is(account.accountId, 'acct-1');
    assert.equal(service.calls[0], {
      method: 'createAccount',
      args: [
        {
          userId: 'u1',
          threshold: 2,
          parties: 3,
          custody: 'server',
          requireUserShare: false,
          include: [],
          requireParties: [],
        },
      ],
    });
    const got = await get('/api/v1/accounts/acct-1');
    assert.is(got.status, 200);
    assert.equal(await got.json(), account);
    const list = await get('/api/v1/accounts?userId=u1');
    assert.equal(await list.json(), { accounts: [account] });
  }));

test('sign returns the SignatureView; join-tokens defaults ttlSeconds to 3600 on an empty body', () =>
  withApi(async ({ post, server, service }) => {
    const signed = await post('/api/v1/accounts/acct-9/sign', { messageHash: HASH });
    assert.is(signed.status, 200);
    const view = (await signed.json()) as SignatureView;
    assert.is(view.messageHash, HASH);
    assert.is(view.presigned, false, 'the answer says whether a presignature was used');
    const empty = await fetch(`${server.url}/api/v1/join-tokens`, { method: 'POST', headers: { 'X-API-Key': KEY_A } });
    assert.is(empty.status, 201);
    assert.equal(Object.keys((await empty.json()) as object).sort(), ['expiresAt', 'role', 'token']);
    assert.equal(service.calls.at(-1), { method: 'createJoinToken', args: [3600, 'persistent'] });
    await assertError(
      await post('/api/v1/join-tokens', { ttlSeconds: 30 }),
      400,
      'INVALID_REQUEST',
      'ttlSeconds: must be at least 60',
    );
  }));

test("a join token carries the operator's role; a bad role is a 400 naming the field", () =>
  withApi(async ({ post, service }) => {
    const res = await post('/api/v1/join-tokens', { ttlSeconds: 600, role: 'external' });
    assert.is(res.status, 201);
    assert.is(((await res.json()) as JoinTokenView).role, 'external');
    assert.equal(service.calls.at(-1), { method: 'createJoinToken', args: [600, 'external'] });
    const bad = await post('/api/v1/join-tokens', { role: 'admin' });
    assert.is(bad.status, 400);
    const body = (await bad.json()) as { error: { code: string; message: string } };
    assert.is(body.error.code, 'INVALID_REQUEST');
    assert.match(body.error.message, /^role: /);
  }));

test('DELETE /api/v1/parties/:id revokes a known party; an unknown or malformed id is 404; the key is required', () =>
  withApi(async ({ server, service }) => {
    const del = (id: string, key = KEY_A) =>
      fetch(`${server.url}/api/v1/parties/${id}`, { method: 'DELETE', headers: { 'X-API-Key': key } });
    const ok = await del(KNOWN_PEER);
    assert.is(ok.status, 200);
    assert.equal(await ok.json(), { partyId: KNOWN_PEER, revokedAt: '2024-01-01T00:00:00.000Z' });
    assert.equal(service.calls.at(-1), { method: 'revokeParty', args: [KNOWN_PEER] });
    await assertError(await del('12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2Xo'), 404, 'NOT_FOUND');
    const calls = service.calls.length;
    await assertError(await del('not-a-peer-id'), 404, 'NOT_FOUND');
    await assertError(await del('%00'), 400, 'INVALID_REQUEST');
    assert.is(service.calls.length, calls, 'a malformed id never reaches the service');
    await assertError(await del(KNOWN_PEER, 'wrong-key-0123456789'), 401, 'UNAUTHORIZED');
  }));

test('an unknown account is a 404 NOT_FOUND with exactly the error shape', () =>
  withApi(async ({ get }) => {
    const res = await get('/api/v1/accounts/acct-404');
    assert.is(res.status, 404);
    assert.equal(await res.json(), { error: { code: 'NOT_FOUND', message: 'account acct-404 not found' } });
  }));

test('SIGNING_FAILED is a 502 carrying the error details', () =>
  withApi(async ({ post }) => {
    const res = await post(`/api/v1/accounts/${FAILING_ACCOUNT}/sign`, { messageHash: HASH });
    assert.is(res.status, 502);
    assert.equal(await res.json(), {
      error: {
        code: 'SIGNING_FAILED',
        message: 'signing session failed',
        details: { sessionId: 'ef'.repeat(32), culprits: ['party-2'] },
      },
    });
  }));

test('a failure repeated by the hundred is one warning line (per code and 10 s), not one per request', () => {
  const warnings: string[] = [];
  return withApi(
    async ({ server }) => {
      for (let i = 0; i < 200; i++) {
        const res = await fetch(`${server.url}/api/v1/accounts/${FAILING_ACCOUNT}/sign`, {
          method: 'POST',
          headers: { 'X-API-Key': KEY_A, 'content-type': 'application/json' },
          body: JSON.stringify({ messageHash: HASH }),
        });
        assert.is(res.status, 502);
        await res.body?.cancel();
      }
      assert.is(warnings.length, 1, warnings.join('\n'));
      assert.match(warnings[0] as string, /^request failed .*"code":"SIGNING_FAILED"/);
    },
    {
      apiKeys: [KEY_A],
      log: { info() {}, warn: (fields, msg) => warnings.push(`${msg} ${JSON.stringify(fields)}`), error() {} },
    },
  );
});

test('an unexpected error is a 500 INTERNAL with a generic message; the real one is only logged', () =>
  withApi(async ({ post, errors }) => {
    const res = await post(`/api/v1/accounts/${BROKEN_ACCOUNT}/sign`, { messageHash: HASH });
    const text = await res.text();
    assert.is(res.status, 500);
    assert.equal(JSON.parse(text), { error: { code: 'INTERNAL', message: 'internal error' } });
    assert.not.match(text, 'hunter2');
    assert.match(JSON.stringify(errors.map((e) => String((e as { err?: unknown }).err))), 'hunter2');
  }));

test('unknown routes and wrong methods are 404 NOT_FOUND JSON', () =>
  withApi(async ({ get, post }) => {
    await assertError(await get('/nope'), 404, 'NOT_FOUND', 'no route for GET /nope');
    await assertError(await get('/api/v1/nope'), 404, 'NOT_FOUND');
    await assertError(await post('/health', {}), 404, 'NOT_FOUND');
  }));

test('/openapi.json documents every registered route (method and {param} path) and the API-key scheme', () =>
  withApi(async ({ get }) => {
    const res = await get('/openapi.json', { 'X-API-Key': '' });
    assert.is(res.status, 200);
    const doc = (await res.json()) as typeof OPENAPI_DOCUMENT;
    assert.is(doc.openapi, '3.1.0');
    assert.equal(doc.components.securitySchemes.apiKey, {
      type: 'apiKey',
      in: 'header',
      name: 'X-API-Key',
      description: 'One of the configured API keys.',
    });
    const router = createRouter({
      service: new FakeService(),
      metrics: new CoordinatorMetrics({ defaultMetrics: false }),
      idempotency: new MemoryIdempotencyRepo(),
      apiKeys: [KEY_A],
      apiKeyUse: new MemoryApiKeyRepo(),
      allow: parseAllowList([]),
      maxBodyBytes: 1024,
      log: { info() {}, warn() {}, error() {} },
    });
    const routes = registeredRoutes(router);
    assert.is(routes.length, 15);
    for (const { method, path } of routes) {
      const openApiPath = path.replace(/:(\w+)/g, '{$1}');
      const op = (doc.paths[openApiPath] as Record<string, { responses?: object }> | undefined)?.[method.toLowerCase()];
      assert.ok(op?.responses, `${method} ${openApiPath} is not documented`);
    }
    // The documented request bodies are the validators' own schemas.
    const create = doc.paths['/api/v1/accounts']?.post?.requestBody?.content['application/json']?.schema;
    assert.equal(create?.required, ['userId']);
    assert.is(create?.additionalProperties, false);
  }));

test('OpenAPI: a signature says whether it was presigned; an account shows its pool only when one is kept', () => {
  type Schema = { required?: string[]; properties?: Record<string, { type?: string; enum?: string[] }> };
  const schemas = (OPENAPI_DOCUMENT.components as unknown as { schemas: Record<string, Schema> }).schemas;
  const sig = schemas.Signature as Schema;
  assert.ok(sig.required?.includes('presigned'));
  assert.is(sig.properties?.presigned?.type, 'boolean');
  for (const name of ['Account', 'CreatedAccount']) {
    const account = schemas[name] as Schema;
    assert.is(account.properties?.presignatures?.type, 'integer', name);
    assert.not.ok(account.required?.includes('presignatures'), `${name}: optional`);
  }
  assert.ok((schemas.Session as Schema).properties?.kind?.enum?.includes('presign'));
});

test.run();
