/**
 * A harness for the coordinator's REST API over a real HTTP server: a deterministic fake service behind it (the
 * real orchestration is tested end to end elsewhere), in-memory repositories, request helpers and the error-shape
 * assertion the coordinator-api-*.test.ts files share.
 */
import * as assert from 'uvu/assert';
import { type ApiOptions, createApi, type ListeningServer, listen } from '../../coordinator/api/app.js';
import { CoordinatorMetrics } from '../../coordinator/api/metrics.js';
import { CoordinatorError } from '../../coordinator/errors.js';
import type {
  AccountView,
  CoordinatorService,
  HealthView,
  JoinTokenView,
  PartyView,
  ResharedView,
  ReshareTarget,
  RevokedParty,
  SessionView,
  SignatureView,
  SignOptions,
} from '../../coordinator/service.js';
import type { PartyRole } from '../../protocols/control/control.js';
import { MemoryApiKeyRepo, MemoryIdempotencyRepo } from './api-fakes.js';

/** The first configured API key. */
export const KEY_A = 'test-key-alpha-0123456789';
/** The second configured API key. */
export const KEY_B = 'test-key-bravo-9876543210';
/** A valid message hash to sign. */
export const HASH = `0x${'ab'.repeat(32)}`;
/** The account id for which the fake's `sign` fails with SIGNING_FAILED. */
export const FAILING_ACCOUNT = 'acct-fails';
/** The account id for which the fake's `sign` throws a plain Error carrying a secret. */
export const BROKEN_ACCOUNT = 'acct-broken';
/** A secret the fake puts in its internal errors, which must never reach a response. */
const SECRET = 'postgres://admin:hunter2@db/internal';
/** The one party peer id the fake knows. */
export const KNOWN_PEER = '12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA';

/** A waitable promise. */
export function deferred<T = void>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** A deterministic {@link CoordinatorService} that counts calls and can be told to block or fail. */
export class FakeService implements CoordinatorService {
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
      rekeyedAt: null,
      xpub: null,
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

  async refreshAccount(accountId: string): Promise<ResharedView> {
    this.record('refreshAccount', accountId);
    return this.reshared(accountId);
  }

  async reshareAccount(accountId: string, target: ReshareTarget): Promise<ResharedView> {
    this.record('reshareAccount', accountId, target);
    return this.reshared(accountId);
  }

  private reshared(accountId: string): ResharedView {
    const account = this.accounts.get(accountId);
    if (!account) throw new CoordinatorError('NOT_FOUND', `account ${accountId} not found`);
    const rekeyed = { ...account, rekeyedAt: '2024-01-02T00:00:00.000Z' };
    const session: SessionView = {
      sessionId: 'ab'.repeat(32),
      kind: 'reshare',
      status: 'completed',
      accountId,
      parties: account.parties.map((p) => ({ partyId: p.partyId, index: p.index })),
      events: [],
    };
    return { account: rekeyed, session };
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
      derivationPath: 'm',
      publicKey: `0x02${'11'.repeat(32)}`,
      address: '0x00000000000000000000000000000000000000A1',
      presigned: false,
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
export interface Harness {
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
export async function withApi(
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
export async function assertError(res: Response, status: number, code: string, message?: string): Promise<void> {
  const body = (await res.json()) as { error: { code: string; message: string } };
  assert.is(res.status, status, JSON.stringify(body));
  assert.match(res.headers.get('content-type') ?? '', 'application/json');
  assert.is(body.error.code, code);
  if (message !== undefined) assert.is(body.error.message, message);
}
