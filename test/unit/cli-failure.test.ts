/**
 * The CLI's one failure handler (cli/failure.ts): every failure maps to its exit status by `code` alone; usage
 * errors carry the usage, operational errors are one line naming the fix, and only an error outside the family
 * (a bug) is "internal", with its stack only on request.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EXIT, failureReport, onYargsFailure, reportFailure, UsageError } from '../../cli/failure.js';
import { CoordinatorError } from '../../coordinator/errors.js';
import { ProtocolError } from '../../protocols/common/errors.js';
import { ConfigError } from '../../src/runtime/errors.js';
import { StoreError } from '../../src/store/errors.js';

const help = { showHelp: (print: (text: string) => void) => print('mpc party status\n\nOptions: …') };

test('configuration errors exit 3 with their message, which names the fix', () => {
  for (const e of [
    new ConfigError('NO_MASTER_KEY', 'no master key: set CRYPTO_MASTER_KEY'),
    new ConfigError('BAD_API_KEY', 'every API key must be at least 16 characters'),
  ]) {
    assert.equal(failureReport(e), { status: EXIT.CONFIG, text: e.message });
  }
});

test('operational errors of any family exit 1 with their message alone', () => {
  for (const e of [
    new StoreError('LOCKED', 'the data directory is in use by another process'),
    new CoordinatorError('UNAVAILABLE', 'cannot reach the coordinator'),
    new ProtocolError('BAD_PROOF', 'a proof did not verify', { culprit: 2 }),
  ]) {
    assert.equal(failureReport(e), { status: EXIT.FAILED, text: e.message });
  }
});

test('a Node system error is mapped by its code, with the fix for a taken port', () => {
  const inUse = Object.assign(new Error('listen EADDRINUSE: address already in use 127.0.0.1:4000'), {
    code: 'EADDRINUSE',
  });
  const r = failureReport(inUse);
  assert.is(r.status, EXIT.FAILED);
  assert.match(r.text, /^listen EADDRINUSE.*: the address is in use; choose a free port \(--port, PORT\)/);
});

test('an error outside the family is internal (70): one line, its stack only with MPC_DEBUG', () => {
  const bug = new TypeError('x is not a function');
  const quiet = failureReport(bug);
  assert.is(quiet.status, EXIT.INTERNAL);
  assert.is(quiet.text, 'internal error: x is not a function (MPC_DEBUG=1 shows where; please report it)');
  const loud = failureReport(bug, true);
  assert.match(loud.text, /^internal error: x is not a function\n/);
  assert.match(loud.text, /\n\s+at /);
});

test('reportFailure prints one line for an operational error and the usage before a usage error', () => {
  let out = '';
  const write = (t: string) => {
    out += t;
  };
  assert.is(reportFailure(new StoreError('LOCKED', 'in use by another process'), write), EXIT.FAILED);
  assert.is(out, 'mpc: in use by another process\n');
  out = '';
  assert.is(reportFailure(new UsageError("--peer: 'x' is not a peer id", 'mpc party unban\n\nOptions: …'), write), 2);
  assert.is(out, "mpc party unban\n\nOptions: …\n\nmpc: --peer: 'x' is not a peer id\n");
});

test('the yargs fail handler: parse failures become usage errors with the usage; other errors pass unchanged', () => {
  const caught = (f: () => void): unknown => {
    try {
      f();
    } catch (e) {
      return e;
    }
    assert.unreachable('the handler must throw');
  };
  const parse = caught(() => onYargsFailure('Missing required argument: data-dir', undefined, help));
  assert.instance(parse, UsageError);
  assert.is((parse as UsageError).message, 'Missing required argument: data-dir');
  assert.is((parse as UsageError).usage, 'mpc party status\n\nOptions: …');
  const coerce = Object.assign(new Error('invalid --listen'), { name: 'YError' });
  assert.is((caught(() => onYargsFailure('invalid --listen', coerce, help)) as UsageError).code, 'USAGE');
  const thrown = new UsageError('bad --peer');
  assert.is(
    caught(() => onYargsFailure(null, thrown, help)),
    thrown,
  );
  assert.is(thrown.usage, 'mpc party status\n\nOptions: …', 'a usage error a command threw gets the usage');
  const operational = new StoreError('LOCKED', 'in use');
  assert.is(
    caught(() => onYargsFailure(null, operational, help)),
    operational,
  );
  assert.is(failureReport(operational).status, EXIT.FAILED, 'and is not turned into a usage error');
});

test.run();
