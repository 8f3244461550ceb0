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

test.run();
