/**
 * The start commands as an operator runs them (child processes): a bad configuration is refused with one line
 * and exit 3 before any file, database or listener exists (seen before: `ALLOWED_IPS=10.0.0.0/33` refused only
 * after an identity, a 39 MB database and a p2p listener were made); a data directory others may access is
 * refused unless `--allow-shared-dir`; what the nodes write is 0700/0600; `--require-master-key` refuses an
 * unsealed identity; `--trust-proxy` is a configuration error naming `--trusted-proxies`, and X-Forwarded-For
 * from a client that is not a trusted proxy does not pass ALLOWED_IPS.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type CliProcess, freePort, mpc, mpcSync, stop } from '../helpers/processes.js';

const MASTER = 'ef'.repeat(32);
const API_KEY = `cfg-${'x'.repeat(20)}`;
const PEER = '12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA';
const root = mkdtempSync(join(tmpdir(), 'mpc-cfg-'));
const clean = { ...process.env, CRYPTO_MASTER_KEY: undefined, MPC_API_KEY: undefined, DATABASE_URL: undefined };

/** A configuration error as the operator sees it: exit 3, exactly one line `mpc: …`, no usage, no stack. */
function assertConfigError(r: { status: number | null; stderr: string }, message: RegExp, what: string) {
  assert.is(r.status, 3, `${what}: ${r.stderr}`);
  assert.match(r.stderr, /^mpc: /, what);
  assert.is(r.stderr.trimEnd().split('\n').length, 1, `${what}: ${r.stderr}`);
  assert.not.match(r.stderr, /Options:|\n\s+at /, what);
  assert.match(r.stderr, message, what);
}

/** Every path under `dir` with its permission bits. */
function modesUnder(dir: string): [string, number][] {
  return readdirSync(dir).flatMap((f): [string, number][] => {
    const p = join(dir, f);
    const st = statSync(p);
    return [[p, st.mode & 0o777], ...(st.isDirectory() ? modesUnder(p) : [])];
  });
}

function assertPrivate(dir: string, what: string) {
  assert.is(statSync(dir).mode & 0o777, 0o700, `${what}: the data directory`);
  const loose = modesUnder(dir).filter(([, m]) => (m & 0o077) !== 0);
  assert.equal(loose, [], `${what}: group or other bits on ${loose.map(([p, m]) => `${p} 0${m.toString(8)}`)}`);
}

test('mpc coordinator start: ALLOWED_IPS=10.0.0.0/33 is refused before any file exists, in one line', () => {
  const dir = join(root, 'c-bad-ips', 'data');
  const r = mpcSync(['coordinator', 'start', '--data-dir', dir, '--port', '0', '--listen', '/ip4/127.0.0.1/tcp/0'], {
    ...clean,
    MPC_API_KEY: API_KEY,
    ALLOWED_IPS: '10.0.0.0/33',
  });
  assertConfigError(
    r,
    /invalid ALLOWED_IPS entry '10\.0\.0\.0\/33'; expected an IP or CIDR such as 10\.0\.0\.0\/8/,
    'ips',
  );
  assert.not.ok(existsSync(join(root, 'c-bad-ips')), 'nothing was created');
});

test('mpc coordinator start: --trust-proxy and --require-master-key without a key are refused alike', () => {
  const cases: [string, string[], NodeJS.ProcessEnv, RegExp][] = [
    ['trust-proxy', ['--trust-proxy'], {}, /--trust-proxy was removed.*--trusted-proxies/],
    ['require-master-key', ['--require-master-key'], {}, /--require-master-key is set but there is no master key/],
  ];
  for (const [what, args, env, message] of cases) {
    const dir = join(root, `c-${what}`, 'data');
    const r = mpcSync(['coordinator', 'start', '--data-dir', dir, '--port', '0', ...args], {
      ...clean,
      MPC_API_KEY: API_KEY,
      ...env,
    });
    assertConfigError(r, message, what);
    assert.not.ok(existsSync(join(root, `c-${what}`)), `${what}: nothing was created`);
  }
});

test('mpc party start: a bad join token or no master key is refused before the store exists', () => {
  const coordinator = `/ip4/127.0.0.1/tcp/7000/p2p/${PEER}`;
  const cases: [string, string[], NodeJS.ProcessEnv, RegExp][] = [
    ['token', ['--join-token', 'short'], { CRYPTO_MASTER_KEY: MASTER }, /invalid --join-token \(env MPC_JOIN_TOKEN\)/],
    ['no-key', [], {}, /no master key: set CRYPTO_MASTER_KEY/],
  ];
  for (const [what, args, env, message] of cases) {
    const dir = join(root, `p-${what}`, 'data');
    const r = mpcSync(['party', 'start', '--data-dir', dir, '--coordinator', coordinator, ...args], {
      ...clean,
      ...env,
    });
    assertConfigError(r, message, what);
    assert.not.ok(existsSync(join(root, `p-${what}`)), `${what}: nothing was created`);
  }
});

test('a data directory others may access is refused (exit 3, untouched) unless --allow-shared-dir', () => {
  const dir = join(root, 'shared');
  mkdirSync(dir);
  chmodSync(dir, 0o750);
  writeFileSync(join(dir, 'note'), 'x', { mode: 0o640 });
  const party = mpcSync(['party', 'start', '--data-dir', dir, '--coordinator', `/ip4/127.0.0.1/tcp/1/p2p/${PEER}`], {
    ...clean,
    CRYPTO_MASTER_KEY: MASTER,
  });
  assertConfigError(party, /has mode 0750: other users can reach.*chmod 700 .*--allow-shared-dir/, 'party');
  const coordinator = mpcSync(['coordinator', 'start', '--data-dir', dir], { ...clean, MPC_API_KEY: API_KEY });
  assertConfigError(coordinator, /has mode 0750/, 'coordinator');
  assert.equal(readdirSync(dir), ['note']);
  assert.is(statSync(dir).mode & 0o777, 0o750);
});

test('a coordinator and a party write only 0700 directories and owner-only files; --allow-shared-dir leaves modes', async () => {
  const cdir = join(root, 'coordinator');
  const pdir = join(root, 'party');
  // an earlier run's file with loose bits, inside an otherwise private directory: tightened at start
  mkdirSync(pdir, { mode: 0o700 });
  writeFileSync(join(pdir, 'LOG.old'), 'x', { mode: 0o644 });
  const init = mpcSync(['party', 'init', '--data-dir', pdir], { ...clean, CRYPTO_MASTER_KEY: MASTER });
  assert.is(init.status, 0, init.stderr);
  const port = await freePort();
  let c: CliProcess | undefined;
  let p: CliProcess | undefined;
  let shared: CliProcess | undefined;
  try {
    // the API admits 10.0.0.0/8 only, behind a proxy at 127.0.0.2 (this test's requests come from 127.0.0.1)
    c = mpc(['coordinator', 'start', '--data-dir', cdir, '--port', '0', '--listen', `/ip4/127.0.0.1/tcp/${port}`], {
      ...clean,
      MPC_API_KEY: API_KEY,
      ALLOWED_IPS: '10.0.0.0/8',
      TRUSTED_PROXIES: '127.0.0.2',
    });
    const addr = (await c.waitFor(/coordinator p2p: (\S+)/, 60_000))[1] as string;
    const api = (await c.waitFor(/coordinator API: (\S+)/, 10_000))[1] as string;
    // a direct client writing an allowed address into X-Forwarded-For is judged by its own address
    const forged = await fetch(`${api}/api/v1/parties`, {
      headers: { 'X-API-Key': API_KEY, 'X-Forwarded-For': '10.1.2.3' },
    });
    assert.is(forged.status, 403);
    assert.is(((await forged.json()) as { error: { code: string } }).error.code, 'FORBIDDEN');
    // no master key: started, with the warning that the identity is unsealed
    await c.waitFor(/stored unsealed/, 10_000);
    p = mpc(['party', 'start', '--data-dir', pdir, '--coordinator', addr, '--log-level', 'info'], {
      ...clean,
      CRYPTO_MASTER_KEY: MASTER,
    });
    await p.waitFor(/party started/, 60_000);
    assertPrivate(cdir, 'coordinator');
    assert.ok(existsSync(join(cdir, 'pgdata')), 'the embedded database is there');
    assertPrivate(pdir, 'party');
    // shared on purpose: starts, and the modes stay as the operator set them
    const sdir = join(root, 'party-shared');
    assert.is(mpcSync(['party', 'init', '--data-dir', sdir], { ...clean, CRYPTO_MASTER_KEY: MASTER }).status, 0);
    chmodSync(sdir, 0o750);
    shared = mpc(['party', 'start', '--data-dir', sdir, '--coordinator', addr, '--allow-shared-dir'], {
      ...clean,
      CRYPTO_MASTER_KEY: MASTER,
    });
    await shared.waitFor(/party started/, 60_000);
    assert.is(statSync(sdir).mode & 0o777, 0o750);
  } finally {
    for (const proc of [shared, p, c]) if (proc) await stop(proc);
  }
});

test('configured as a container is (environment and secret files only): identity made once, probes, pool admission', async () => {
  const secrets = join(root, 'secrets');
  mkdirSync(secrets, { mode: 0o700 });
  const secret = (name: string, text: string) => {
    writeFileSync(join(secrets, name), `${text}\n`, { mode: 0o600 });
    return join(secrets, name);
  };
  const master = secret('master', MASTER);
  const identityFile = join(secrets, 'coordinator-identity.key');
  const env = { ...clean, CRYPTO_MASTER_KEY_FILE: master };
  const made = mpcSync(['coordinator', 'identity', '--out', identityFile], env);
  assert.is(made.status, 0, made.stderr);
  const peerId = made.stdout.trim();
  assert.match(peerId, /^12D3KooW\w+$/);
  const again = mpcSync(['coordinator', 'identity', '--out', identityFile], env);
  assert.is(again.status, 1, 'an identity file was overwritten');
  assert.match(again.stderr, /exists already; it is not overwritten/);
  const shown = mpcSync(['coordinator', 'identity', '--show', identityFile], env);
  assert.is(shown.stdout.trim(), peerId, '--show prints the peer id of the file');
  const sealed = mpcSync(['coordinator', 'identity', '--show', identityFile], clean);
  assert.is.not(sealed.status, 0, 'a sealed identity opened without its master key');
  assert.match(sealed.stderr, /is sealed; set CRYPTO_MASTER_KEY/);
  const [p2pPort, metricsPort] = [await freePort(), await freePort()];
  let c: CliProcess | undefined;
  let p: CliProcess | undefined;
  try {
    c = mpc(['coordinator', 'start'], {
      ...env,
      MPC_DATA_DIR: join(root, 'c-env'),
      PORT: '0',
      MPC_LISTEN: `/ip4/127.0.0.1/tcp/${p2pPort}`,
      MPC_ANNOUNCE: `/dns4/localhost/tcp/${p2pPort}`,
      MPC_IDENTITY_FILE: identityFile,
      MPC_API_KEY_FILE: secret('api', API_KEY),
      MPC_POOL_SECRET_FILE: secret('pool', 'e1'.repeat(32)),
    });
    const api = (await c.waitFor(/coordinator API: (\S+)/, 60_000))[1] as string;
    await c.waitFor(new RegExp(`coordinator p2p: /dns4/localhost/tcp/${p2pPort}/p2p/${peerId}`), 10_000);
    assert.is((await fetch(`${api}/livez`)).status, 200);
    assert.is((await fetch(`${api}/readyz`)).status, 200, 'ready without any party (readiness is not quorum)');
    assert.is((await fetch(`${api}/health`)).status, 503, 'no quorum yet');
    p = mpc(['party', 'start'], {
      ...clean,
      MPC_DATA_DIR: join(root, 'p-env'),
      CRYPTO_MASTER_KEY_FILE: master,
      MPC_CREATE_IDENTITY: '1',
      MPC_COORDINATOR: `/ip4/127.0.0.1/tcp/${p2pPort}/p2p/${peerId}`,
      MPC_POOL_SECRET_FILE: secret('party-pool', 'e1'.repeat(32)),
      MPC_METRICS_PORT: String(metricsPort),
      MPC_METRICS_HOST: '127.0.0.1',
    });
    await p.waitFor(/party started/, 60_000);
    const probe = (path: string) => fetch(`http://127.0.0.1:${metricsPort}${path}`).then((r) => r.status);
    assert.is(await probe('/livez'), 200);
    const end = Date.now() + 20_000;
    while ((await probe('/readyz')) !== 200) {
      if (Date.now() > end) assert.unreachable('the party never became ready (registered through the pool)');
      await new Promise((r) => setTimeout(r, 200));
    }
    const parties = (await (await fetch(`${api}/api/v1/parties`, { headers: { 'X-API-Key': API_KEY } })).json()) as {
      parties: { role: string; status: string }[];
    };
    assert.equal(
      parties.parties.map((x) => [x.role, x.status]),
      [['persistent', 'online']],
    );
  } finally {
    for (const proc of [p, c]) if (proc) await stop(proc);
  }
});

test.after(() => rmSync(root, { recursive: true, force: true }));

test.run();
