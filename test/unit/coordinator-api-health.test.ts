/**
 * The coordinator API's public probes and metrics: /health, /livez, /readyz and /metrics.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { withApi } from '../helpers/api-harness.js';

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

test.run();
