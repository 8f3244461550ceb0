import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createLogger, formatPrettyLine, REDACTED } from '../../src/runtime/logger.js';

/** A destination that keeps every line written. */
function capture() {
  const lines: string[] = [];
  return {
    lines,
    write(chunk: string) {
      lines.push(...chunk.split('\n').filter((l) => l.length > 0));
    },
  };
}

test('JSON lines are parseable and carry level, name, msg and fields', () => {
  const out = capture();
  const log = createLogger({ name: 'party-1', destination: out });
  log.info({ session: 'abc', round: 2 }, 'round done');
  log.debug('below the default level');
  assert.is(out.lines.length, 1);
  const entry = JSON.parse(out.lines[0]!) as Record<string, unknown>;
  assert.is(entry.level, 30);
  assert.is(entry.name, 'party-1');
  assert.is(entry.msg, 'round done');
  assert.is(entry.session, 'abc');
  assert.is(entry.round, 2);
});

test('level option lowers the threshold', () => {
  const out = capture();
  createLogger({ level: 'debug', destination: out }).debug('visible');
  assert.is(out.lines.length, 1);
});

test('pretty format writes one line per entry: time LEVEL [name] msg key=value', () => {
  const out = capture();
  const log = createLogger({ pretty: true, name: 'p1', destination: out });
  log.warn({ peer: 'QmX', note: 'two words', nested: { a: 1 } }, 'peer slow');
  log.error({ err: new Error('multi\nline') }, 'first\nsecond');
  assert.is(out.lines.length, 2);
  assert.match(
    out.lines[0]!,
    /^\d{2}:\d{2}:\d{2}\.\d{3} WARN {2}\[p1\] peer slow peer=QmX note="two words" nested=\{"a":1\}$/,
  );
  assert.match(out.lines[1]!, /^\d{2}:\d{2}:\d{2}\.\d{3} ERROR \[p1\] first\\nsecond err=/);
  assert.not.match(out.lines[0]!, 'pid=');
  assert.is(formatPrettyLine('not json\nat all'), 'not json\\nat all');
});

test('secret-looking fields are redacted, top level and nested, in both formats', () => {
  for (const pretty of [false, true]) {
    const out = capture();
    const log = createLogger({ pretty, destination: out });
    log.info(
      {
        share: 'SHARE-BYTES',
        keygen: { secret: 'S3CRET', privateKey: 'PK', keyId: 'visible-id' },
        store: { masterKey: 'MK' },
      },
      'stored',
    );
    const text = out.lines.join('\n');
    for (const s of ['SHARE-BYTES', 'S3CRET', 'PK"', 'MK']) assert.not.match(text, s, `${s} leaked (pretty=${pretty})`);
    assert.match(text, REDACTED);
    assert.match(text, 'visible-id');
    if (!pretty) {
      const entry = JSON.parse(out.lines[0]!) as {
        share: string;
        keygen: { secret: string };
        store: { masterKey: string };
      };
      assert.is(entry.share, REDACTED);
      assert.is(entry.keygen.secret, REDACTED);
      assert.is(entry.store.masterKey, REDACTED);
    }
  }
});

test.run();
