/**
 * The coordinator API's address allow list: allowedIps, trusted proxies and X-Forwarded-For, and the parsing
 * of the configured networks.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createApi } from '../../coordinator/api/app.js';
import { clientAddress } from '../../coordinator/api/client-address.js';
import { isAllowed, parseAllowList, parseNetworks } from '../../coordinator/api/ip-allow.js';
import { CoordinatorMetrics } from '../../coordinator/api/metrics.js';
import { MemoryApiKeyRepo, MemoryIdempotencyRepo } from '../helpers/api-fakes.js';
import { assertError, FakeService, KEY_A, withApi } from '../helpers/api-harness.js';

test('a client outside allowedIps gets 403 FORBIDDEN, before and regardless of its key', () =>
  withApi(
    async ({ get, service }) => {
      await assertError(await get('/api/v1/parties'), 403, 'FORBIDDEN', 'client address not allowed');
      // Address is checked before the key: a bad key from outside still reads 403, not 401.
      await assertError(await get('/api/v1/parties', { 'X-API-Key': 'wrong' }), 403, 'FORBIDDEN');
      await assertError(await get('/metrics'), 403, 'FORBIDDEN');
      assert.is(service.calls.length, 0);
      // /health is outside the allow list.
      assert.is((await get('/health', { 'X-API-Key': '' })).status, 200);
    },
    { allowedIps: ['10.0.0.0/8'] },
  ));

test('a client inside allowedIps (127.0.0.1/32) is served', () =>
  withApi(
    async ({ get }) => {
      const res = await get('/api/v1/parties');
      assert.is(res.status, 200);
      await res.body?.cancel();
    },
    { allowedIps: ['127.0.0.1/32'] },
  ));

test('a direct client forging X-Forwarded-For is judged by its socket address', async () => {
  // no trusted proxies: the header is never read
  await withApi(
    async ({ get }) => {
      await assertError(await get('/api/v1/parties', { 'X-Forwarded-For': '10.1.2.3' }), 403, 'FORBIDDEN');
    },
    { allowedIps: ['10.0.0.0/8'] },
  );
  // proxies configured, but this client (127.0.0.1) is not one of them
  await withApi(
    async ({ get }) => {
      await assertError(await get('/api/v1/parties', { 'X-Forwarded-For': '10.1.2.3' }), 403, 'FORBIDDEN');
      await assertError(await get('/api/v1/parties', { 'X-Forwarded-For': '192.168.0.5' }), 403, 'FORBIDDEN');
    },
    { allowedIps: ['10.0.0.0/8'], trustedProxies: ['192.168.0.0/16'] },
  );
});

test('through a trusted proxy the forwarded address counts, read from the right past trusted hops only', () =>
  withApi(
    async ({ get }) => {
      const status = async (xff: string) => {
        const res = await get('/api/v1/parties', { 'X-Forwarded-For': xff });
        await res.body?.cancel();
        return res.status;
      };
      // the proxy (127.0.0.1, the socket) saw 10.1.2.3
      assert.is(await status('10.1.2.3'), 200);
      assert.is(await status('10.1.2.3:51000'), 200, 'a port after the address is dropped');
      // a second trusted proxy in the chain is skipped
      assert.is(await status('10.1.2.3, 192.168.0.5'), 200);
      // an address the client wrote left of the proxies' entries is never read
      assert.is(await status('10.1.2.3, 203.0.113.9'), 403);
      assert.is(await status('10.1.2.3, 203.0.113.9, 192.168.0.5'), 403);
      // an untrusted proxy (172.16.0.1) wrote the 10.1.2.3 entry: its header is ignored, it is the client
      assert.is(await status('10.1.2.3, 172.16.0.1'), 403);
      // garbage ends the walk and matches nothing
      assert.is(await status('unknown'), 403);
      assert.is(await status('10.1.2.3, nonsense, 192.168.0.5'), 403);
      // every hop a trusted proxy: the leftmost one is the client
      assert.is(await status('192.168.0.9'), 403);
      // no header from a trusted proxy: the proxy itself is the client
      const bare = await get('/api/v1/parties');
      await assertError(bare, 403, 'FORBIDDEN');
    },
    { allowedIps: ['10.0.0.0/8'], trustedProxies: ['127.0.0.1', '192.168.0.0/16'] },
  ));

test('clientAddress: IPv6 hops, bracketed forms and several headers', () => {
  const trusted = parseNetworks(['::1', '2001:db8:ffff::/48'], 'TRUSTED_PROXIES');
  assert.is(clientAddress('::1', '2001:db8::7', trusted), '2001:db8::7');
  assert.is(clientAddress('::1', '[2001:db8::7]:443, 2001:db8:ffff::2', trusted), '2001:db8::7');
  assert.is(clientAddress('::ffff:10.0.0.1', '2001:db8::7', trusted), '::ffff:10.0.0.1', 'not a trusted peer');
  assert.is(clientAddress('::1', undefined, trusted), '::1');
  assert.is(clientAddress('::1', '', trusted), '::1');
  assert.is(clientAddress('::1', '2001:db8::7', parseNetworks([], 'TRUSTED_PROXIES')), '::1', 'no proxies');
  assert.throws(
    () => parseNetworks(['10.0.0.0/33'], 'TRUSTED_PROXIES'),
    /invalid TRUSTED_PROXIES entry '10\.0\.0\.0\/33'; expected an IP or CIDR/,
  );
});

test('the default allow list admits IPv6 ::1 and IPv4-mapped ::ffff:127.0.0.1 clients', async () => {
  await withApi(
    async ({ get }) => {
      const res = await get('/api/v1/parties');
      assert.is(res.status, 200);
      await res.body?.cancel();
    },
    {},
    '::1',
  );
  // A dual-stack listener reports an IPv4 client as ::ffff:127.0.0.1.
  await withApi(
    async ({ server, get }) => {
      const port = new URL(server.url).port;
      const res = await fetch(`http://127.0.0.1:${port}/api/v1/parties`, { headers: { 'X-API-Key': KEY_A } });
      assert.is(res.status, 200);
      await res.body?.cancel();
      await (await get('/health')).body?.cancel();
    },
    {},
    '::',
  );
});

test('ip-allow: IPv4 and IPv6 CIDRs, single addresses and IPv4-mapped IPv6 match as expected', () => {
  const list = parseAllowList(['10.0.0.0/8', '192.168.1.7', 'fd00::/8', '2001:db8::1', '172.16.0.0/12']);
  for (const ip of ['10.0.0.1', '10.255.255.255', '::ffff:10.9.8.7', '192.168.1.7', 'fd12:3456::1', '2001:db8::1']) {
    assert.ok(isAllowed(list, ip), ip);
  }
  assert.ok(isAllowed(list, '172.31.255.255'));
  for (const ip of ['11.0.0.1', '192.168.1.8', 'fe00::1', '2001:db8::2', '172.32.0.0', '::1', '127.0.0.1', '']) {
    assert.not.ok(isAllowed(list, ip), ip);
  }
  const loopback = parseAllowList(['127.0.0.0/8', '::1']);
  for (const ip of ['127.0.0.1', '127.9.9.9', '::1', '::ffff:127.0.0.1', '0:0:0:0:0:0:0:1', '::1%lo']) {
    assert.ok(isAllowed(loopback, ip), ip);
  }
  for (const ip of ['128.0.0.1', '::2', '::ffff:128.0.0.1', 'localhost', 'not an ip']) {
    assert.not.ok(isAllowed(loopback, ip), ip);
  }
  // An empty list is the loopback default, never "everyone".
  assert.ok(isAllowed(parseAllowList([]), '127.0.0.1'));
  assert.not.ok(isAllowed(parseAllowList([]), '10.0.0.1'));
  // Whole families, and host bits in an entry are cleared.
  assert.ok(isAllowed(parseAllowList(['0.0.0.0/0']), '203.0.113.9'));
  assert.not.ok(isAllowed(parseAllowList(['0.0.0.0/0']), '2001:db8::1'));
  assert.ok(isAllowed(parseAllowList(['::/0']), '2001:db8::1'));
  assert.ok(isAllowed(parseAllowList(['::/0']), '203.0.113.9'));
  assert.ok(isAllowed(parseAllowList(['10.1.2.3/8']), '10.200.0.1'));
  assert.ok(isAllowed(parseAllowList(['::ffff:10.0.0.0/104']), '10.3.3.3'));
  assert.ok(isAllowed(parseAllowList(['2001:db8:0:0:1::/80']), '2001:db8::1:0:0:5'));
});

test('ip-allow: invalid entries are refused with the configuration message', () => {
  for (const entry of ['10.0.0.0/33', '::1/129', 'localhost', '1.2.3', '10.0.0.0/08', '10.0.0.0/', '', '1.2.3.4/x']) {
    assert.throws(
      () => parseAllowList([entry]),
      (e: Error) => e.message === `invalid ALLOWED_IPS entry '${entry}'; expected an IP or CIDR`,
      entry,
    );
  }
});

test('createApi refuses an empty key list and an invalid allowedIps entry at creation', () => {
  const base = {
    service: new FakeService(),
    idempotency: new MemoryIdempotencyRepo(),
    apiKeyUse: new MemoryApiKeyRepo(),
    metrics: new CoordinatorMetrics({ defaultMetrics: false }),
  };
  assert.throws(() => createApi({ ...base, apiKeys: [] }), /apiKeys is empty/);
  assert.throws(
    () => createApi({ ...base, apiKeys: [KEY_A], allowedIps: ['10.0.0.0/8', 'x'] }),
    /invalid ALLOWED_IPS entry 'x'; expected an IP or CIDR/,
  );
});

test.run();
