/**
 * The coordinator killed with SIGKILL mid-keygen (issue 10, items 4 and 5), on a network of `mpc` processes:
 * after its restart the unfinished keygen and its account are `failed` (reason in the event log), the parties are
 * told to discard the pending shares that keygen left, the Idempotency-Key of the cut request runs once on retry
 * (never 409, never a second account), and every party is back online within 3 s of the coordinator's start.
 */
import { randomBytes } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CliNetwork } from './lib/cli-network.js';

let net: CliNetwork;

test.before(async () => {
  net = await CliNetwork.start();
});

test.after(async () => {
  await net?.stop();
});

test('kill -9 of the coordinator mid-keygen: nothing stays pending, shares are discarded, the key runs once, parties back within 3 s', async () => {
  const coordinator = net.coordinator;
  assert.ok(coordinator);
  // a keygen whose results cannot be judged: the coordinator is frozen while the parties finish it
  const key = `crash-${randomBytes(8).toString('hex')}`;
  const cut = net.api('POST', '/api/v1/accounts', { userId: 'crash-user' }, { 'Idempotency-Key': key }).then(
    (r) => r.status,
    () => 'no answer' as const,
  );
  await Promise.all(net.parties.map((p) => p.proc?.waitFor(/keygen started/, 30_000)));
  coordinator.child.kill('SIGSTOP');
  // the parties store their pending shares and try to report
  await Promise.all(net.parties.map((p) => p.proc?.waitFor(/keygen done; share stored pending/, 30_000)));
  await coordinator.stop('SIGKILL', 5_000);
  assert.is(await cut, 'no answer', 'the cut request got no answer');

  const started = Date.now();
  await net.startCoordinator();
  const upAfter = Date.now() - started;
  const back = await net.untilOnline(net.parties, 10_000);
  console.log(`  coordinator up in ${upAfter} ms; every party back online ${back} ms later`);
  assert.ok(back <= 3_000, `parties back ${back} ms after the coordinator's start (wanted ≤ 3 s)`);

  const listed = await net.api('GET', '/api/v1/accounts?userId=crash-user');
  assert.is(listed.status, 200);
  assert.is(listed.body.accounts.length, 1, JSON.stringify(listed.body));
  const failed = listed.body.accounts[0];
  assert.is(failed.status, 'failed');
  const session = await net.api('GET', `/api/v1/sessions/${failed.sessionId}`);
  assert.is(session.body.status, 'failed');
  assert.is(session.body.error.code, 'COORDINATOR_RESTARTED');
  assert.ok(session.body.events.some((e: { type: string }) => e.type === 'failure'));

  // every party of the keygen is told to discard its pending share
  for (const p of net.parties) {
    const line = await p.proc?.waitFor(/.*keygen aborted by the coordinator.*/, 10_000);
    assert.match(line?.[0] ?? '', /"discarded":true/, `${p.name} discarded its pending share`);
  }

  // the same Idempotency-Key runs once: a new account, then the stored answer
  const retry = await net.api('POST', '/api/v1/accounts', { userId: 'crash-user' }, { 'Idempotency-Key': key });
  assert.is(retry.status, 201, JSON.stringify(retry.body));
  const again = await net.api('POST', '/api/v1/accounts', { userId: 'crash-user' }, { 'Idempotency-Key': key });
  assert.is(again.status, 201);
  assert.is(again.body.accountId, retry.body.accountId);
  assert.is(again.headers.get('idempotent-replayed'), 'true');
  const after = await net.api('GET', '/api/v1/accounts?userId=crash-user');
  assert.equal(after.body.accounts.map((a: { status: string }) => a.status).sort(), ['active', 'failed']);
  const signed = await net.api('POST', `/api/v1/accounts/${retry.body.accountId}/sign`, {
    messageHash: `0x${randomBytes(32).toString('hex')}`,
  });
  assert.is(signed.status, 200, JSON.stringify(signed.body));
});

/** Clients signing in a loop until `stop()`; every answer is kept (status 0: no answer, e.g. refused). */
function signingLoad(accountId: string, clients: number) {
  const answers: { status: number; code?: string; at: number }[] = [];
  let done = false;
  const loops = Array.from({ length: clients }, async () => {
    while (!done) {
      try {
        const r = await net.api('POST', `/api/v1/accounts/${accountId}/sign`, {
          messageHash: `0x${randomBytes(32).toString('hex')}`,
        });
        answers.push({ status: r.status, code: r.body?.error?.code, at: Date.now() });
      } catch {
        answers.push({ status: 0, at: Date.now() });
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  });
  return {
    answers,
    /** Resolves once `n` requests were signed (the load is running), rejects after a minute. */
    async signed(n: number) {
      const until = Date.now() + 60_000;
      while (answers.filter((a) => a.status === 200).length < n) {
        if (Date.now() > until) throw new Error(`fewer than ${n} signings in a minute: ${JSON.stringify(answers)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop() {
      done = true;
      await Promise.all(loops);
    },
  };
}

test('SIGTERM of the coordinator under signing load: drains within 12 s, no 5xx but 503, nothing left pending', async () => {
  const created = await net.api('POST', '/api/v1/accounts', { userId: 'drain-user' });
  assert.is(created.status, 201, JSON.stringify(created.body));
  const load = signingLoad(created.body.accountId, 4);
  await load.signed(4);
  const t0 = Date.now();
  const stopped = net.coordinator;
  const exit = await stopped?.stop('SIGTERM', 30_000);
  const took = Date.now() - t0;
  if (took > 12_000) console.log(`  t0 ${new Date(t0).toISOString()}\n${stopped?.tail(12)}`);
  const signedBefore = load.answers.filter((a) => a.status === 200).length;
  await new Promise((r) => setTimeout(r, 500));
  const restarted = await net.startCoordinator();
  await net.untilOnline(net.parties, 10_000);
  await new Promise((r) => setTimeout(r, 2_000));
  await load.stop();
  const bad = load.answers.filter((a) => a.status >= 500 && a.status !== 503);
  console.log(
    `  SIGTERM: exit ${exit?.code} after ${took} ms; ${load.answers.length} answers, ${signedBefore} signed before the stop, ${load.answers.filter((a) => a.status === 503).length} × 503, ${load.answers.filter((a) => a.status === 0).length} without answer while down`,
  );
  assert.is(exit?.code, 0);
  assert.ok(took <= 12_000, `the coordinator took ${took} ms to stop (wanted ≤ 12 s)`);
  assert.equal(bad, [], 'no 5xx other than 503');
  assert.ok(
    load.answers.some((a) => a.status === 200 && a.at > t0 + took),
    'signing resumed after the restart',
  );
  assert.not.match(restarted.output(), /left unfinished/, 'a drained coordinator leaves nothing pending');
});

test('kill -9 of the coordinator under signing load: after the restart every account signs', async () => {
  const listed = await net.api('GET', '/api/v1/accounts?userId=drain-user');
  const account = listed.body.accounts[0];
  const load = signingLoad(account.accountId, 4);
  await load.signed(4);
  const killedAt = Date.now();
  await net.coordinator?.stop('SIGKILL', 5_000);
  const startedAt = Date.now();
  await net.startCoordinator();
  const upAt = Date.now();
  await net.untilOnline(net.parties, 10_000);
  const onlineAt = Date.now();
  await new Promise((r) => setTimeout(r, 2_000));
  await load.stop();
  const bad = load.answers.filter((a) => a.status >= 500 && a.status !== 503);
  const firstSigned = Math.min(...load.answers.filter((a) => a.status === 200 && a.at > upAt).map((a) => a.at));
  console.log(
    `  kill -9 under load: restarted ${startedAt - killedAt} ms after the kill; API up in ${upAt - startedAt} ms; parties online ${onlineAt - upAt} ms and the first signature ${firstSigned - upAt} ms after the API was up`,
  );
  assert.ok(Number.isFinite(firstSigned), 'signing resumed after the restart');
  assert.equal(bad, [], 'no 5xx other than 503');
  for (const user of ['crash-user', 'drain-user']) {
    const accounts = (await net.api('GET', `/api/v1/accounts?userId=${user}`)).body.accounts;
    for (const a of accounts.filter((x: { status: string }) => x.status === 'active')) {
      const r = await net.api('POST', `/api/v1/accounts/${a.accountId}/sign`, {
        messageHash: `0x${randomBytes(32).toString('hex')}`,
      });
      assert.is(r.status, 200, JSON.stringify(r.body));
    }
  }
});

test.run();
