/** PoolSecrets (coordinator/p2p/pool-secrets.ts): matching by role and what is stored on admission. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PoolSecrets } from '../../coordinator/p2p/pool-secrets.js';

function pool(secrets: { persistent?: string; delegate?: string }) {
  const admitted: unknown[][] = [];
  const p = new PoolSecrets(secrets, {
    admit: async (...args: unknown[]) => {
      admitted.push(args);
    },
  });
  return { p, admitted };
}

test('each secret matches its own role only; a wrong, longer, shorter or empty one matches none', async () => {
  const { p, admitted } = pool({ persistent: 'p'.repeat(32), delegate: 'd'.repeat(32) });
  assert.ok(p.configured);
  assert.is(p.match('p'.repeat(32)), 'persistent');
  assert.is(p.match('d'.repeat(32)), 'delegate');
  for (const wrong of ['p'.repeat(31), 'p'.repeat(33), 'q'.repeat(32), '', `${'p'.repeat(32)} `])
    assert.is(p.match(wrong), false, JSON.stringify(wrong));
  assert.is(await p.admit('x'.repeat(32), 'peer-x'), false);
  assert.equal(admitted, [], 'a wrong secret stores nothing');
  assert.is(await p.admit('d'.repeat(32), 'peer-d'), 'delegate');
  assert.equal(admitted, [['peer-d', 'pool', 'delegate']], 'only the admission and its role, never the secret');
});

test('without secrets nothing is configured and nothing matches', async () => {
  const { p } = pool({});
  assert.not.ok(p.configured);
  assert.is(p.match(''), false);
  assert.is(p.match('anything-at-all-long-enough'), false);
});

test.run();
