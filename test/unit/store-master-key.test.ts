import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigError } from '../../src/runtime/errors.js';
import { loadMasterKey, MasterKey } from '../../src/runtime/master-key.js';

const HEX = randomBytes(32).toString('hex');
const dir = mkdtempSync(join(tmpdir(), 'mpc-store-mk-'));

/** Runs `fn`, expecting a ConfigError with `code`; returns it. */
function expectCode(fn: () => unknown, code: string): ConfigError {
  try {
    fn();
  } catch (e) {
    assert.instance(e, ConfigError);
    assert.is((e as ConfigError).code, code);
    return e as ConfigError;
  }
  return assert.unreachable(`expected ConfigError ${code}`) as never;
}

test('missing master key: NO_MASTER_KEY, and the message says how to make one', () => {
  for (const env of [{}, { CRYPTO_MASTER_KEY: '' }, { CRYPTO_MASTER_KEY: '  \n' }]) {
    const e = expectCode(() => loadMasterKey({ env }), 'NO_MASTER_KEY');
    assert.match(e.message, 'openssl rand -hex 32');
    assert.match(e.message, 'CRYPTO_MASTER_KEY');
    assert.match(e.message, '--master-key-file');
  }
});

test('short, long and non-hex keys: BAD_MASTER_KEY without echoing the value', () => {
  const bad = [HEX.slice(0, 62), `${HEX}00`, `${HEX.slice(0, 63)}g`, `0x${HEX.slice(0, 62)}`];
  for (const value of bad) {
    const e = expectCode(() => loadMasterKey({ env: { CRYPTO_MASTER_KEY: value } }), 'BAD_MASTER_KEY');
    assert.match(e.message, 'openssl rand -hex 32');
    assert.not.ok(e.message.includes(value.slice(0, 16)), 'message must not contain key material');
  }
  expectCode(() => loadMasterKey({ env: { CRYPTO_MASTER_KEY: '0'.repeat(64) } }), 'BAD_MASTER_KEY');
});

test('a valid key from the environment loads, in either case, with surrounding whitespace', () => {
  const a = loadMasterKey({ env: { CRYPTO_MASTER_KEY: HEX } });
  const b = loadMasterKey({ env: { CRYPTO_MASTER_KEY: `  ${HEX.toUpperCase()}\n` } });
  assert.is(a.source, 'env');
  assert.equal(a.notes, []);
  // Same key ⇒ same sub-keys.
  assert.equal(a.key.subKey('atRest').export(), b.key.subKey('atRest').export());
});

test('sub-keys are distinct per purpose and differ from the master key', () => {
  const { key } = loadMasterKey({ env: { CRYPTO_MASTER_KEY: HEX } });
  const atRest = key.subKey('atRest').export();
  const wrap = key.subKey('delegateWrap').export();
  assert.is(atRest.length, 32);
  assert.not.equal(atRest, wrap);
  assert.not.ok(atRest.equals(Buffer.from(HEX, 'hex')));
  assert.not.ok(wrap.equals(Buffer.from(HEX, 'hex')));
});

test('the master key never prints', () => {
  const { key } = loadMasterKey({ env: { CRYPTO_MASTER_KEY: HEX } });
  for (const s of [String(key), JSON.stringify({ key }), inspect({ key }, { depth: 5 })]) {
    assert.not.ok(s.includes(HEX.slice(0, 16)), s);
    assert.ok(s.includes('[MasterKey]'), s);
  }
});

test('key file: 0600 loads without notes; wider modes load with a chmod note; file beats env', () => {
  const path = join(dir, 'master.key');
  writeFileSync(path, `${HEX}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
  const a = loadMasterKey({ env: {}, keyFile: path });
  assert.is(a.source, 'file');
  assert.equal(a.notes, []);
  assert.equal(a.key.subKey('atRest').export(), MasterKey.fromHex(HEX, 't').subKey('atRest').export());

  if (process.platform !== 'win32') {
    chmodSync(path, 0o644);
    const b = loadMasterKey({ env: {}, keyFile: path });
    assert.is(b.notes.length, 1);
    assert.match(b.notes[0] as string, 'chmod 600');
    assert.not.ok((b.notes[0] as string).includes(HEX.slice(0, 16)));
  }

  const other = randomBytes(32).toString('hex');
  const c = loadMasterKey({ env: { CRYPTO_MASTER_KEY: other }, keyFile: path });
  assert.is(c.source, 'file');
  assert.ok(c.notes.some((n) => n.includes('both')));
});

test('key file: missing → NO_MASTER_KEY; malformed → BAD_MASTER_KEY', () => {
  expectCode(() => loadMasterKey({ env: {}, keyFile: join(dir, 'nope.key') }), 'NO_MASTER_KEY');
  const path = join(dir, 'short.key');
  writeFileSync(path, HEX.slice(0, 40), { mode: 0o600 });
  const e = expectCode(() => loadMasterKey({ env: {}, keyFile: path }), 'BAD_MASTER_KEY');
  assert.match(e.message, path);
  assert.not.ok(e.message.includes(HEX.slice(0, 16)));
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
