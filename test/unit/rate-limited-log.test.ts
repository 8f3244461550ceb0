/** The rate-limited log (src/runtime/rate-limited-log.ts): per key, a burst per interval, then one summary. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { OVERFLOW_KEY, RateLimitedLog } from '../../src/runtime/rate-limited-log.js';

function recorder() {
  const lines: { level: string; fields: Record<string, unknown>; msg: string }[] = [];
  const at = (level: string) => (fields: object, msg: string) =>
    lines.push({ level, fields: fields as Record<string, unknown>, msg });
  return { lines, log: { info: at('info'), warn: at('warn'), error: at('error') } };
}

test('5,000 identical warnings in one interval are one line and one summary with the count', () => {
  const { lines, log } = recorder();
  let now = 0;
  const r = new RateLimitedLog(log, { intervalMs: 10_000, now: () => now });
  for (let i = 0; i < 5000; i++) {
    r.warn('registration failed', { attempt: i }, 'registration with the coordinator failed');
    now += 1; // 5 s in all: one interval
  }
  assert.is(lines.length, 1);
  assert.equal(lines[0], {
    level: 'warn',
    fields: { attempt: 0 },
    msg: 'registration with the coordinator failed',
  });
  r.flush();
  assert.is(lines.length, 2);
  assert.equal(lines[1], {
    level: 'warn',
    fields: { attempt: 4999, suppressed: 4999 },
    msg: 'registration with the coordinator failed (4999 more like it in 10 s)',
  });
  r.flush();
  assert.is(lines.length, 2, 'a summary is written once');
});

test('keys are limited apart; a new interval writes again after the summary of the last', () => {
  const { lines, log } = recorder();
  let now = 0;
  const r = new RateLimitedLog(log, { intervalMs: 1000, burst: 2, now: () => now });
  for (let i = 0; i < 5; i++) {
    r.warn('a', {}, 'refused peer a');
    r.warn('b', {}, 'refused peer b');
  }
  assert.equal(
    lines.map((l) => l.msg),
    ['refused peer a', 'refused peer b', 'refused peer a', 'refused peer b'],
  );
  now = 1000;
  r.warn('a', {}, 'refused peer a');
  assert.equal(
    lines.slice(4).map((l) => l.msg),
    ['refused peer a (3 more like it in 1 s)', 'refused peer a'],
  );
  r.info('c', { x: 1 }, 'info line');
  assert.equal(lines.at(-1), { level: 'info', fields: { x: 1 }, msg: 'info line' });
});

test('the summary is written by a timer when nothing else comes', async () => {
  const { lines, log } = recorder();
  const r = new RateLimitedLog(log, { intervalMs: 50 });
  r.warn('k', {}, 'x');
  r.warn('k', {}, 'x');
  r.warn('k', {}, 'x');
  assert.is(lines.length, 1);
  await new Promise((res) => setTimeout(res, 120));
  assert.equal(
    lines.map((l) => l.msg),
    ['x', 'x (2 more like it in 50 ms)'],
  );
});

test('a flood of distinct keys is bounded by maxKeys', () => {
  const { lines, log } = recorder();
  const r = new RateLimitedLog(log, { intervalMs: 10_000, maxKeys: 10, now: () => 0 });
  for (let i = 0; i < 1000; i++) r.warn(`peer-${i}`, { peer: i }, 'refused a connection');
  assert.is(lines.length, 11, 'ten keys, then the shared one');
  r.flush();
  assert.is(lines.length, 12);
  assert.is(lines.at(-1)?.fields.suppressed, 989);
  assert.ok(OVERFLOW_KEY.length > 0);
});

test('asLog: warnings limited by the key function, errors never', () => {
  const { lines, log } = recorder();
  const r = new RateLimitedLog(log, { now: () => 0 });
  const l = r.asLog((f) => String((f as { code?: string }).code));
  for (let i = 0; i < 100; i++) {
    l.warn({ code: 'UNAVAILABLE' }, 'request failed');
    l.warn({ code: 'TIMEOUT' }, 'request failed');
    l.error({ i }, 'unhandled');
  }
  assert.is(lines.filter((x) => x.level === 'warn').length, 2);
  assert.is(lines.filter((x) => x.level === 'error').length, 100);
});

test.run();
