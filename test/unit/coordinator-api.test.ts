/**
 * The coordinator's REST API over a real HTTP server: authentication and the address allow list, validation
 * messages, the error shape, idempotency, health, metrics and the OpenAPI document. The service behind it is a
 * deterministic fake: the real orchestration is tested end to end elsewhere.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type ApiOptions, createApi, type ListeningServer, listen } from '../../coordinator/api/app.js';
import { AuthFailures } from '../../coordinator/api/auth-failures.js';
import { clientAddress } from '../../coordinator/api/client-address.js';
import { isAllowed, parseAllowList, parseNetworks } from '../../coordinator/api/ip-allow.js';
import { CoordinatorMetrics } from '../../coordinator/api/metrics.js';
import type { OPENAPI_DOCUMENT } from '../../coordinator/api/openapi.js';
import { createRouter, registeredRoutes } from '../../coordinator/api/routes.js';
import { sha256hex } from '../../coordinator/crypto/sha256.js';
import { CoordinatorError } from '../../coordinator/errors.js';
import type {
  AccountView,
  CoordinatorService,
  HealthView,
  JoinTokenView,
  PartyView,
  RevokedParty,
  SessionView,
  SignatureView,
  SignOptions,
} from '../../coordinator/service.js';
import type { PartyRole } from '../../protocols/control/control.js';
import { MemoryApiKeyRepo, MemoryIdempotencyRepo } from '../helpers/api-fakes.js';

const KEY_A = 'test-key-alpha-0123456789';
const KEY_B = 'test-key-bravo-9876543210';
const HASH = `0x${'ab'.repeat(32)}`;
/** The account id for which the fake's `sign` fails with SIGNING_FAILED. */
const FAILING_ACCOUNT = 'acct-fails';
/** The account id for which the fake's `sign` throws a plain Error carrying a secret. */
const BROKEN_ACCOUNT = 'acct-broken';
const SECRET = 'postgres://admin:hunter2@db/internal';
/** The one party peer id the fake knows. */
const KNOWN_PEER = '12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA';

/** A waitable promise. */
function deferred<T = void>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** A deterministic {@link CoordinatorService} that counts calls and can be told to block or fail. */
class FakeService implements CoordinatorService {
  readonly calls: { method: string; args: unknown[] }[] = [];
  readonly accounts = new Map<string, AccountView>();
  health_: HealthView = { ok: true, database: true, onlineParties: 3, quorum: 3, bannedPairs: [] };
  healthThrows = false;
  /** When set, `createAccount` waits for it (after announcing itself on `entered`). */
  gate: Promise<void> | undefined;
  entered = deferred();
  /** Errors `createAccount` throws, one per call, before succeeding. */
  createErrors: Error[] = [];

  private record(method: string, ...args: unknown[]): void {
    this.calls.push({ method, args });
  }

  count(method: string): number {
    return this.calls.filter((c) => c.method === method).length;
  }

  async createAccount(req: { userId: string; threshold: number; parties: number }): Promise<AccountView> {
    this.record('createAccount', req);
    this.entered.resolve();
    if (this.gate) await this.gate;
    const err = this.createErrors.shift();
    if (err) throw err;
    const n = this.accounts.size + 1;
    const account: AccountView = {
      accountId: `acct-${n}`,
      userId: req.userId,
      publicKey: `0x02${'11'.repeat(32)}`,
      address: '0x00000000000000000000000000000000000000A1',
      threshold: req.threshold,
      parties: Array.from({ length: req.parties }, (_, i) => ({
        partyId: `party-${i + 1}`,
        index: i + 1,
        role: 'persistent' as const,
      })),
      sessionId: 'cd'.repeat(32),
      status: 'active',
      custody: 'server',
      requireUserShare: false,
      requireParties: [],
      createdAt: '2024-01-01T00:00:00.000Z',
    };
    this.accounts.set(account.accountId, account);
    return account;
  }

  async getAccount(accountId: string): Promise<AccountView> {
    this.record('getAccount', accountId);
    const account = this.accounts.get(accountId);
    if (!account) throw new CoordinatorError('NOT_FOUND', `account ${accountId} not found`);
    return account;
  }

  async listAccounts(userId: string): Promise<AccountView[]> {
    this.record('listAccounts', userId);
    return [...this.accounts.values()].filter((a) => a.userId === userId);
  }

  async sign(accountId: string, hash: Uint8Array, opts?: SignOptions): Promise<SignatureView> {
    const messageHash = `0x${Buffer.from(hash).toString('hex')}`;
    this.record('sign', accountId, hash, ...(opts && Object.keys(opts).length > 0 ? [opts] : []));
    if (accountId === FAILING_ACCOUNT) {
      throw new CoordinatorError('SIGNING_FAILED', 'signing session failed', {
        sessionId: 'ef'.repeat(32),
        culprits: ['party-2'],
      });
    }
    if (accountId === BROKEN_ACCOUNT) throw new Error(`connect failed: ${SECRET}`);
    const r = `0x${'12'.repeat(32)}`;
    const s = `0x${'34'.repeat(32)}`;
    return {
      accountId,
      sessionId: 'ef'.repeat(32),
      messageHash,
      signature: { r, s, v: 27, recoveryId: 0 },
      signatureHex: `${r}${s.slice(2)}1b`,
    };
  }

  async getSession(id: Uint8Array): Promise<SessionView> {
    const sessionId = Buffer.from(id).toString('hex');
    this.record('getSession', id);
    throw new CoordinatorError('NOT_FOUND', `session ${sessionId} not found`);
  }

  async listParties(): Promise<PartyView[]> {
    this.record('listParties');
    return [{ partyId: 'party-1', role: 'persistent', status: 'online', addresses: [], lastSeen: null, bans: [] }];
  }

  async createJoinToken(ttlSeconds: number, role: PartyRole = 'persistent'): Promise<JoinTokenView> {
    this.record('createJoinToken', ttlSeconds, role);
    return {
      token: 'join-token-1',
      expiresAt: new Date(Date.UTC(2024, 0, 1) + ttlSeconds * 1000).toISOString(),
      role,
    };
  }

  async revokeParty(partyId: string): Promise<RevokedParty> {
    this.record('revokeParty', partyId);
    if (partyId !== KNOWN_PEER) throw new CoordinatorError('NOT_FOUND', `party ${partyId} not found`);
    return { partyId, revokedAt: '2024-01-01T00:00:00.000Z' };
  }

  async health(): Promise<HealthView> {
    this.record('health');
    if (this.healthThrows) throw new Error(`health: ${SECRET}`);
    return this.health_;
  }
}

/** Everything a test needs: the running server, its fakes and request helpers. */
interface Harness {
  server: ListeningServer;
  service: FakeService;
  idempotency: MemoryIdempotencyRepo;
  apiKeyUse: MemoryApiKeyRepo;
  metrics: CoordinatorMetrics;
  errors: object[];
  /** `fetch` of a path with `X-API-Key: KEY_A` unless `headers` say otherwise. */
  get(path: string, headers?: Record<string, string>): Promise<Response>;
  /** A JSON POST (`body` sent as is when a string, else JSON-encoded). */
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<Response>;
}

/** Starts the API on 127.0.0.1 with the fakes, runs `fn`, and always closes the server. */
async function withApi(
  fn: (h: Harness) => Promise<void>,
  options: Partial<ApiOptions> = {},
  host = '127.0.0.1',
): Promise<void> {
  const service = new FakeService();
  const idempotency = new MemoryIdempotencyRepo();
  const apiKeyUse = new MemoryApiKeyRepo();
  const metrics = new CoordinatorMetrics({ defaultMetrics: false });
  const errors: object[] = [];
  const app = createApi({
    service,
    apiKeys: [KEY_A, KEY_B],
    idempotency,
    apiKeyUse,
    metrics,
    log: { info() {}, warn() {}, error: (o) => errors.push(o) },
    ...options,
  });
  const server = await listen(app, 0, host);
  const send = (path: string, init: RequestInit, headers: Record<string, string> = {}) =>
    fetch(`${server.url}${path}`, { ...init, headers: { 'X-API-Key': KEY_A, ...headers } });
  const h: Harness = {
    server,
    service,
    idempotency,
    apiKeyUse,
    metrics,
    errors,
    get: (path, headers) => send(path, { method: 'GET' }, headers),
    post: (path, body, headers) =>
      send(
        path,
        { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body) },
        { 'Content-Type': 'application/json', ...headers },
      ),
  };
  try {
    await fn(h);
  } finally {
    await server.close();
  }
}

/** Asserts `res` is the error shape with `status`, `code` and (when given) exactly `message`. */
async function assertError(res: Response, status: number, code: string, message?: string): Promise<void> {
  const body = (await res.json()) as { error: { code: string; message: string } };
  assert.is(res.status, status, JSON.stringify(body));
  assert.match(res.headers.get('content-type') ?? '', 'application/json');
  assert.is(body.error.code, code);
  if (message !== undefined) assert.is(body.error.message, message);
}

// --- authentication and the address allow list ---

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

test('a failing key-use recorder is logged and does not fail the request', async () => {
  const errors: object[] = [];
  const warnings: object[] = [];
  const app = createApi({
    service: new FakeService(),
    apiKeys: [KEY_A],
    idempotency: new MemoryIdempotencyRepo(),
    apiKeyUse: {
      recordUse: async () => {
        throw new Error('usage table down');
      },
      usage: async () => undefined,
    },
    metrics: new CoordinatorMetrics({ defaultMetrics: false }),
    log: { info() {}, warn: (o) => warnings.push(o), error: (o) => errors.push(o) },
  });
  const server = await listen(app, 0, '127.0.0.1');
  try {
    const res = await fetch(`${server.url}/api/v1/parties`, { headers: { 'X-API-Key': KEY_A } });
    assert.is(res.status, 200);
    await res.body?.cancel();
    assert.is(warnings.length, 1);
  } finally {
    await server.close();
  }
});

test('failed API-key attempts are counted and logged (rate-limited); past the limit the address gets 429', async () => {
  const warnings: { fields: Record<string, unknown>; msg: string }[] = [];
  const app = createApi({
    service: new FakeService(),
    apiKeys: [KEY_A],
    idempotency: new MemoryIdempotencyRepo(),
    apiKeyUse: new MemoryApiKeyRepo(),
    metrics: new CoordinatorMetrics({ defaultMetrics: false }),
    log: { info() {}, warn: (fields, msg) => warnings.push({ fields: fields as never, msg }), error() {} },
    authFailureLimit: { perMinute: 5, lockoutSeconds: 30 },
  });
  const server = await listen(app, 0, '127.0.0.1');
  const get = (key: string) => fetch(`${server.url}/api/v1/parties`, { headers: { 'X-API-Key': key } });
  try {
    for (let i = 0; i < 5; i++) await assertError(await get(i % 2 ? '' : 'wrong-key'), 401, 'UNAUTHORIZED');
    const sixth = await get('wrong-key');
    await assertError(sixth, 401, 'UNAUTHORIZED');
    // the sixth failure in a minute locks the address out, even with the right key
    for (const key of ['wrong-key', KEY_A]) {
      const res = await get(key);
      assert.is(res.headers.get('retry-after'), '30');
      await assertError(res, 429, 'RATE_LIMITED', 'too many failed API-key attempts from this address; retry in 30 s');
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
  } finally {
    await server.close();
  }
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

// --- validation ---

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

// --- routes and the error shape ---

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
    assert.is(((await signed.json()) as SignatureView).messageHash, HASH);
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

test('a failure repeated by the hundred is one warning line (per code and 10 s), not one per request', async () => {
  const warnings: string[] = [];
  const app = createApi({
    service: new FakeService(),
    apiKeys: [KEY_A],
    idempotency: new MemoryIdempotencyRepo(),
    apiKeyUse: new MemoryApiKeyRepo(),
    metrics: new CoordinatorMetrics({ defaultMetrics: false }),
    log: { info() {}, warn: (fields, msg) => warnings.push(`${msg} ${JSON.stringify(fields)}`), error() {} },
  });
  const server = await listen(app, 0, '127.0.0.1');
  try {
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
  } finally {
    await server.close();
  }
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

// --- idempotency ---

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

// --- health, metrics, OpenAPI ---

test('/health is 200 with status ok when healthy, degraded with a banned pair, 503 when not or when the check throws; no key needed', () =>
  withApi(async ({ get, service }) => {
    const ok = await get('/health', { 'X-API-Key': '' });
    assert.is(ok.status, 200);
    assert.equal(await ok.json(), {
      status: 'ok',
      ok: true,
      database: true,
      onlineParties: 3,
      quorum: 3,
      bannedPairs: [],
    });
    service.health_ = { ok: true, database: true, onlineParties: 3, quorum: 3, bannedPairs: [['p-a', 'p-b']] };
    const degraded = await get('/health', { 'X-API-Key': '' });
    assert.is(degraded.status, 200);
    assert.equal((await degraded.json()).status, 'degraded');
    service.health_ = { ok: false, database: true, onlineParties: 1, quorum: 3, bannedPairs: [['p-a', 'p-b']] };
    const down = await get('/health', { 'X-API-Key': '' });
    assert.is(down.status, 503);
    assert.equal(await down.json(), {
      status: 'unavailable',
      ok: false,
      database: true,
      onlineParties: 1,
      quorum: 3,
      bannedPairs: [['p-a', 'p-b']],
    });
    service.healthThrows = true;
    const thrown = await get('/health', { 'X-API-Key': '' });
    assert.is(thrown.status, 503);
    const text = await thrown.text();
    assert.equal(JSON.parse(text), { status: 'unavailable', error: 'health check failed' });
    assert.not.match(text, 'hunter2');
  }));

test('/livez is always 200; /readyz follows the database only, not the quorum; both public', () =>
  withApi(async ({ get, service }) => {
    const live = await get('/livez', { 'X-API-Key': '' });
    assert.is(live.status, 200);
    assert.equal(await live.json(), { status: 'ok' });
    // below quorum: /health is 503 but the coordinator can serve (parties must still reach it)
    service.health_ = { ok: false, database: true, onlineParties: 0, quorum: 3, bannedPairs: [] };
    const ready = await get('/readyz', { 'X-API-Key': '' });
    assert.is(ready.status, 200);
    assert.equal(await ready.json(), { status: 'ready', database: true });
    assert.is((await get('/health', { 'X-API-Key': '' })).status, 503);
    service.health_ = { ok: false, database: false, onlineParties: 3, quorum: 3, bannedPairs: [] };
    const noDb = await get('/readyz', { 'X-API-Key': '' });
    assert.is(noDb.status, 503);
    assert.equal(await noDb.json(), { status: 'unavailable', database: false });
    service.healthThrows = true;
    const thrown = await get('/readyz', { 'X-API-Key': '' });
    assert.is(thrown.status, 503);
    assert.not.match(await thrown.text(), 'hunter2');
    assert.is((await get('/livez', { 'X-API-Key': '' })).status, 200);
  }));

test('/metrics counts requests by route template and status, and reports sessions; no key needed', () =>
  withApi(async ({ get, metrics }) => {
    await (await get('/api/v1/accounts/acct-404')).body?.cancel();
    await (await get('/api/v1/accounts/acct-405')).body?.cancel();
    await (await get('/api/v1/parties', { 'X-API-Key': '' })).body?.cancel();
    await (await get('/no/such/path')).body?.cancel();
    metrics.sessionEnded('sign', 'ok', 1.5);
    const res = await get('/metrics', { 'X-API-Key': '' });
    assert.is(res.status, 200);
    assert.is(res.headers.get('content-type'), metrics.contentType);
    const text = await res.text();
    assert.match(
      text,
      'coordinator_http_requests_total{method="GET",route="/api/v1/accounts/:accountId",status="404"} 2',
    );
    assert.match(text, 'coordinator_http_requests_total{method="GET",route="/api/v1/parties",status="401"} 1');
    assert.match(text, 'coordinator_http_requests_total{method="GET",route="unmatched",status="404"} 1');
    assert.match(text, 'coordinator_http_request_duration_seconds_count{method="GET",route="/api/v1/parties"} 1');
    assert.match(text, 'coordinator_sessions_total{kind="sign",outcome="ok"} 1');
    assert.match(text, 'coordinator_session_duration_seconds_count{kind="sign"} 1');
    assert.not.match(text, 'acct-404');
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
    assert.is(routes.length, 13);
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

test.run();
