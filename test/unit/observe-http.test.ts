import { createServer } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type HealthReport, startObserveServer } from '../../src/observe/http.js';
import { PartyMetrics } from '../../src/observe/metrics.js';

/** Starts a server on a free port with a switchable health answer. */
async function start(health: () => Promise<HealthReport> = async () => ({ ok: true })) {
  const metrics = new PartyMetrics();
  const server = await startObserveServer({ port: 0, metrics, health });
  const url = (path: string) => `http://127.0.0.1:${server.port}${path}`;
  return { metrics, server, url };
}

test('/health answers 200 with status ok and the details', async () => {
  const { server, url } = await start(async () => ({ ok: true, peers: 2 }));
  try {
    const res = await fetch(url('/health'));
    assert.is(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', 'application/json');
    assert.equal(await res.json(), { status: 'ok', peers: 2 });
  } finally {
    await server.close();
  }
});

test('/health answers 503 when unhealthy or when the check throws, without the error text', async () => {
  let mode: 'down' | 'throw' = 'down';
  const { server, url } = await start(async () => {
    if (mode === 'throw') throw new Error('secret detail');
    return { ok: false, reason: 'store closed' };
  });
  try {
    const down = await fetch(url('/health'));
    assert.is(down.status, 503);
    assert.equal(await down.json(), { status: 'unavailable', reason: 'store closed' });
    mode = 'throw';
    const thrown = await fetch(url('/health'));
    assert.is(thrown.status, 503);
    const body = (await thrown.json()) as Record<string, unknown>;
    assert.is(body.status, 'unavailable');
    assert.not.match(JSON.stringify(body), 'secret detail');
  } finally {
    await server.close();
  }
});

test('/health answers 503 when the check hangs past the timeout', async () => {
  const server = await startObserveServer({
    port: 0,
    metrics: new PartyMetrics({ defaultMetrics: false }),
    health: () => new Promise<HealthReport>(() => {}),
    healthTimeoutMs: 20,
  });
  try {
    const res = await fetch(`http://127.0.0.1:${server.port}/health`);
    assert.is(res.status, 503);
    assert.equal(await res.json(), { status: 'unavailable', error: 'health check timed out' });
  } finally {
    await server.close();
  }
});

test('/metrics exposes sessions, rounds, peers and process metrics', async () => {
  const { metrics, server, url } = await start();
  try {
    metrics.sessionStarted('sign');
    metrics.roundDone('sign', 1, 0.004);
    metrics.sessionEnded('sign', 'ok', 0.2);
    metrics.sessionStarted('keygen');
    metrics.setPeers(3);
    const res = await fetch(url('/metrics'));
    assert.is(res.status, 200);
    assert.is(res.headers.get('content-type'), metrics.contentType);
    const text = await res.text();
    assert.match(text, 'mpc_sessions_total{kind="sign",outcome="ok"} 1');
    assert.match(text, 'mpc_round_duration_seconds_count{kind="sign",round="1"} 1');
    assert.match(text, 'mpc_round_duration_seconds_bucket{le="0.005",kind="sign",round="1"} 1');
    assert.match(text, 'mpc_session_duration_seconds_count{kind="sign"} 1');
    assert.match(text, 'mpc_peers_connected 3');
    assert.match(text, 'mpc_sessions_active 1');
    assert.match(text, 'process_cpu_user_seconds_total');
  } finally {
    await server.close();
  }
});

test('other paths and methods answer 404 JSON', async () => {
  const { server, url } = await start();
  try {
    for (const [path, method] of [
      ['/', 'GET'],
      ['/healthz', 'GET'],
      ['/metrics', 'POST'],
    ] as const) {
      const res = await fetch(url(path), { method });
      assert.is(res.status, 404, `${method} ${path}`);
      assert.equal(await res.json(), { error: 'not found' });
    }
    const withQuery = await fetch(url('/health?verbose=1'));
    assert.is(withQuery.status, 200);
    await withQuery.body?.cancel();
  } finally {
    await server.close();
  }
});

test('close() releases the port even with a keep-alive connection open', async () => {
  const { server, url } = await start();
  const port = server.port;
  assert.ok(port > 0);
  const res = await fetch(url('/health'), { keepalive: true });
  await res.text();
  await server.close();
  // Binding the same port again proves it was released.
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve()));
  });
});

test('an unbindable port rejects', async () => {
  const { server } = await start();
  try {
    const clash = startObserveServer({
      port: server.port,
      metrics: new PartyMetrics(),
      health: async () => ({ ok: true }),
    });
    await clash.then(
      () => assert.unreachable('second bind succeeded'),
      (e: unknown) => assert.is((e as NodeJS.ErrnoException).code, 'EADDRINUSE'),
    );
  } finally {
    await server.close();
  }
});

test.run();

test('/livez is 200 whatever the health; /readyz follows the readiness check (503 when false or throwing)', async () => {
  let ready: boolean | 'throw' = false;
  const metrics = new PartyMetrics();
  const server = await startObserveServer({
    port: 0,
    metrics,
    health: async () => ({ ok: false }),
    ready: () => {
      if (ready === 'throw') throw new Error('secret detail');
      return ready;
    },
  });
  const url = (path: string) => `http://127.0.0.1:${server.port}${path}`;
  try {
    const live = await fetch(url('/livez'));
    assert.is(live.status, 200);
    assert.equal(await live.json(), { status: 'ok' });
    const notReady = await fetch(url('/readyz'));
    assert.is(notReady.status, 503);
    assert.equal(await notReady.json(), { status: 'unavailable' });
    ready = true;
    const isReady = await fetch(url('/readyz'));
    assert.is(isReady.status, 200);
    assert.equal(await isReady.json(), { status: 'ready' });
    ready = 'throw';
    const thrown = await fetch(url('/readyz'));
    assert.is(thrown.status, 503);
    assert.not.match(await thrown.text(), 'secret detail');
  } finally {
    await server.close();
  }
});

test('/readyz without a readiness check follows /health', async () => {
  const { server, url } = await start(async () => ({ ok: true }));
  try {
    assert.is((await fetch(url('/readyz'))).status, 200);
  } finally {
    await server.close();
  }
});
