/**
 * Frozen keys answered from memory: a freeze and an unfreeze through the store are seen at once, a flag on disk
 * is seen by a store opened later, and an empty key id is refused as before.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MasterKey } from '../../src/runtime/master-key.js';
import { StoreError } from '../../src/store/errors.js';
import { ShareStore } from '../../src/store/share-store.js';

test('isFrozen follows freeze and unfreeze, and a reopened store reads the flags from disk', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mpc-frozen-'));
  const master = MasterKey.fromHex('5a'.repeat(32), 'test');
  const key = Uint8Array.of(1, 2, 3);
  const other = Uint8Array.of(4);
  let s = await ShareStore.open(dir, master);
  assert.not.ok(await s.frozenKeys.isFrozen(key), 'nothing frozen yet (the cache is read now)');
  await s.frozenKeys.freeze(key, 'SIGNATURE_INVALID in session x');
  assert.ok(await s.frozenKeys.isFrozen(key), 'a freeze is seen at once');
  assert.not.ok(await s.frozenKeys.isFrozen(other));
  await s.close();
  s = await ShareStore.open(dir, master);
  assert.ok(await s.frozenKeys.isFrozen(key), 'read from disk by a new store');
  assert.ok(await s.frozenKeys.unfreeze(key));
  assert.not.ok(await s.frozenKeys.isFrozen(key), 'an unfreeze is seen at once');
  assert.not.ok(await s.frozenKeys.unfreeze(key));
  const empty = await s.frozenKeys.isFrozen(new Uint8Array(0)).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(empty instanceof StoreError && empty.code === 'INVALID_ARGUMENT', 'an empty key id is refused');
  await s.close();
  s = await ShareStore.open(dir, master);
  assert.not.ok(await s.frozenKeys.isFrozen(key), 'the unfreeze is on disk');
  await s.close();
});

test.run();
