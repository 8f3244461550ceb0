/** GuestAdmissions (coordinator/p2p/guest-admissions.ts): a guest's waiting request ends with its admission or not. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { GuestAdmissions } from '../../coordinator/p2p/guest-admissions.js';

// the waits' timers do not keep a process alive (the coordinator's host does): this does, during the tests
let alive: NodeJS.Timeout;
test.before(() => {
  alive = setInterval(() => {}, 1_000);
});
test.after(() => clearInterval(alive));

test('every request of the admitted guest is granted; another guest still waits', async () => {
  const g = new GuestAdmissions();
  const a1 = g.wait('peer-a', 10_000);
  const a2 = g.wait('peer-a', 10_000);
  const b = g.wait('peer-b', 10_000);
  g.settle('peer-a', true);
  assert.equal(await Promise.all([a1, a2]), [true, true]);
  const late = await Promise.race([b, new Promise((r) => setTimeout(() => r('waiting'), 50))]);
  assert.is(late, 'waiting');
  g.settle('peer-b', false);
  assert.is(await b, false, 'a guest that leaves or is refused is refused');
});

test('a guest that never joins is refused after the wait; settling later changes nothing', async () => {
  const g = new GuestAdmissions();
  const t0 = Date.now();
  assert.is(await g.wait('peer-c', 100), false);
  assert.ok(Date.now() - t0 >= 90);
  g.settle('peer-c', true);
  // a settlement with nobody waiting is not remembered: the next request waits afresh
  assert.is(await g.wait('peer-c', 50), false);
});

test('clear refuses every waiting request (the host stops)', async () => {
  const g = new GuestAdmissions();
  const w = [g.wait('peer-d', 10_000), g.wait('peer-e', 10_000)];
  g.clear();
  assert.equal(await Promise.all(w), [false, false]);
});

test.run();
