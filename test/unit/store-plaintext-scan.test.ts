/**
 * After keygen and signing, no file of the data directory may contain a secret in plaintext: not the share's
 * secret scalar, not the encoded key share, not the identity key, not the pair state's OT secrets, not a
 * presignature's secrets. A control database written unencrypted proves the scan can find such bytes.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Level } from 'level';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bigIntToBytes } from '../../protocols/common/bytes.js';
import { encodeKeyShare, type KeyShare } from '../../protocols/dkls23/key-share.js';
import type { Presignature } from '../../protocols/dkls23/sign.js';
import { MasterKey } from '../../src/runtime/master-key.js';
import { ShareStore } from '../../src/store/share-store.js';
import { pairsOf } from '../helpers/fixture.js';
import { keygen, presign, sign, signersOf } from '../helpers/parties.js';

const root = mkdtempSync(join(tmpdir(), 'mpc-store-scan-'));

const shares = keygen(3, 2, 'seed').results;
const share = shares.get(1) as KeyShare;
const identity = randomBytes(32);
const pair = pairsOf(1, [1, 2]).get(2)!;
const presig = presign(shares, [1, 2], 'scan').results.get(1) as Presignature;
// Keep the presignature's secrets before the store (or a signing) could wipe them.
const presigSecrets = [presig.phi, presig.u, presig.v].map((x) => bigIntToBytes(x, 32));

/** The secrets, each with its 16-byte prefix (a partial leak counts too). */
function needles(): Map<string, Uint8Array> {
  const whole = new Map<string, Uint8Array>([
    ['secret share', bigIntToBytes(share.secretShare, 32)],
    ['encoded key share', encodeKeyShare(share)],
    ['identity key', identity],
    ['pair delta', pair.asAlice.delta],
    ['pair keys', pair.asAlice.keys.subarray(0, 32)],
    ['pair keys1', pair.asBob.keys1.subarray(0, 32)],
    ['zero seed', share.zeroSeeds[1] as Uint8Array],
    ['presig phi', presigSecrets[0] as Uint8Array],
    ['presig u', presigSecrets[1] as Uint8Array],
  ]);
  const out = new Map(whole);
  for (const [name, bytes] of whole) out.set(`${name} (16-byte prefix)`, bytes.subarray(0, 16));
  return out;
}

/**
 * Compacts the whole key range into table files (snappy-compressed by default). `level` on Node is
 * classic-level, which has `compactRange`; the browser-neutral `Level` type does not declare it.
 */
async function compact(db: Level<string, Uint8Array>): Promise<void> {
  await (db as unknown as { compactRange(a: string, b: string): Promise<void> }).compactRange('\u0000', '\uffff');
}

/** Every regular file under `dir`, recursively. */
function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.isFile() ? [join(dir, e.name)] : [],
  );
}

/** Names of the needles found in any file's raw bytes, as `needle in file`. */
function scan(dir: string): string[] {
  const found: string[] = [];
  const all = files(dir);
  assert.ok(all.length > 0, 'the data directory has files');
  for (const f of all) {
    const raw = readFileSync(f);
    for (const [name, needle] of needles()) if (raw.indexOf(needle) !== -1) found.push(`${name} in ${f}`);
  }
  return found;
}

test('no secret appears in plaintext in the data directory after keygen and signing', async () => {
  const dir = join(root, 'party');
  const store = await ShareStore.open(dir, new MasterKey(randomBytes(32)));
  await store.putIdentity(identity);
  await store.putPendingShare(share);
  await store.commitShare(share.keyId);
  await store.pairs.put(pair);
  // A signing: mark its session, store and take a presignature, run the engine with the stored share.
  const sessionId = randomBytes(32);
  await store.markSessionUsed(share.keyId, sessionId);
  await store.presignatures.put(share.keyId, presig.ssid, { ...presig }, signersOf(presig));
  const second = { ...presign(shares, [1, 3], 'scan-2').results.get(1)!, used: false };
  await store.presignatures.put(share.keyId, second.ssid, second, signersOf(second));
  await store.presignatures.take(share.keyId, presig.ssid, signersOf(presig));
  const stored = new Map(shares);
  stored.set(1, (await store.getShare(share.keyId))!.share);
  const sig = sign(stored, [1, 2], new Uint8Array(32).fill(7), 'scan', { sessionId });
  assert.is(sig.results.size, 2);
  await store.close();
  assert.equal(scan(dir), []);

  // Compact the write-ahead log into table files (no key needed for that) and scan those too.
  const raw = new Level<string, Uint8Array>(dir, { valueEncoding: 'view' });
  await raw.open();
  await compact(raw);
  await raw.close();
  assert.ok(
    files(dir).some((f) => f.endsWith('.ldb')),
    'compaction wrote a table file',
  );
  assert.equal(scan(dir), []);
});

test('control: the same scan finds the secrets written unencrypted (so the test above can fail)', async () => {
  const dir = join(root, 'control');
  const db = new Level<string, Uint8Array>(dir, { valueEncoding: 'view' });
  await db.put('share', encodeKeyShare(share));
  await db.put('identity', identity);
  await db.put('delta', pair.asAlice.delta);
  await db.close();
  const found = scan(dir);
  for (const name of ['secret share', 'encoded key share', 'identity key', 'pair delta']) {
    assert.ok(
      found.some((f) => f.startsWith(`${name} in `)),
      `scan must find the ${name}: ${found.join(', ')}`,
    );
  }

  // And after LevelDB compacts the values into a (possibly snappy-compressed) table file.
  const db2 = new Level<string, Uint8Array>(dir, { valueEncoding: 'view' });
  await db2.open();
  await compact(db2);
  await db2.close();
  const found2 = scan(dir);
  for (const name of ['secret share', 'identity key']) {
    assert.ok(
      found2.some((f) => f.startsWith(`${name} in `)),
      `after compaction: ${found2.join(', ')}`,
    );
  }
});

test.after(() => rmSync(root, { recursive: true, force: true }));

test.run();
