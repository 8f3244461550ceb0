/**
 * The start commands' settings validated before anything is created (cli/coordinator/options.ts,
 * cli/party/config.ts): every kind of bad flag or environment value is a ConfigError with one line naming the
 * setting and the fix (exit 3), and the data directory stays absent (or, when it existed, untouched). The
 * process-level counterpart (the real command, its exit status and output) is test/e2e/cli-config.test.ts.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import yargs from 'yargs';
import { startOptions, toConfig } from '../../cli/coordinator/options.js';
import { EXIT, failureReport } from '../../cli/failure.js';
import { type PartyStartArgs, toPartyConfig } from '../../cli/party/config.js';
import { withSecretFiles } from '../../cli/settings.js';
import { checkDataDir, secureDataDir } from '../../src/runtime/data-dir.js';

const API_KEY = 'k'.repeat(24);
const MASTER = 'ab'.repeat(32);
const PEER = '12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA';
const COORDINATOR = `/ip4/127.0.0.1/tcp/7000/p2p/${PEER}`;
const root = mkdtempSync(join(tmpdir(), 'mpc-config-'));

/** The outcome of `f`: the failure report of what it threw, or undefined when it did not throw. */
function failure(f: () => unknown) {
  try {
    f();
  } catch (e) {
    return failureReport(e);
  }
  return undefined;
}

function coordinatorStart(args: string[], env: NodeJS.ProcessEnv) {
  const argv = startOptions(yargs()).strict().parseSync(args);
  return toConfig(argv, env);
}

let n = 0;
/** A data directory path that does not exist yet. */
function freshDir(): string {
  n++;
  return join(root, `d${n}`, 'data');
}

test('coordinator: each kind of bad setting is a one-line configuration error; the data directory stays absent', () => {
  const base = { MPC_API_KEY: API_KEY };
  const cases: [string, string[], NodeJS.ProcessEnv, RegExp][] = [
    [
      'ALLOWED_IPS with a bad prefix',
      [],
      { ...base, ALLOWED_IPS: '10.0.0.0/33' },
      /^invalid ALLOWED_IPS entry '10\.0\.0\.0\/33'; expected an IP or CIDR such as 10\.0\.0\.0\/8 or 192\.168\.1\.7 \(--allowed-ips \(env ALLOWED_IPS\)\)$/,
    ],
    ['--allowed-ips garbage', ['--allowed-ips', 'localhost'], base, /invalid ALLOWED_IPS entry 'localhost'/],
    [
      'TRUSTED_PROXIES garbage',
      [],
      { ...base, TRUSTED_PROXIES: '10.0.0.1,nope' },
      /invalid TRUSTED_PROXIES entry 'nope'/,
    ],
    ['--trust-proxy', ['--trust-proxy'], base, /--trust-proxy was removed.*--trusted-proxies \(env TRUSTED_PROXIES\)/],
    [
      '--port out of range',
      ['--port', '70000'],
      base,
      /^invalid --port \(env PORT\) 70000: must be an integer 0\.\.65535$/,
    ],
    [
      'PORT not a number',
      [],
      { ...base, PORT: '80a' },
      /^invalid --port \(env PORT\) "80a": must be an integer 0\.\.65535$/,
    ],
    [
      '--host garbage',
      ['--host', 'bad host!'],
      base,
      /invalid --host \(env HOST\) "bad host!": must be an IP address or a host name/,
    ],
    [
      '--listen without tcp',
      ['--listen', '/ip4/127.0.0.1'],
      base,
      /invalid --listen \(env MPC_LISTEN\) "\/ip4\/127\.0\.0\.1": must be a multiaddr with a TCP port/,
    ],
    ['MPC_LISTEN garbage', [], { ...base, MPC_LISTEN: 'tcp://x' }, /invalid --listen \(env MPC_LISTEN\) "tcp:\/\/x"/],
    [
      '--allow-peer garbage',
      ['--allow-peer', 'not-a-peer'],
      base,
      /invalid --allow-peer \(env MPC_ALLOWED_PEERS\) "not-a-peer": is not a peer id/,
    ],
    [
      'DATABASE_URL of another scheme',
      [],
      { ...base, DATABASE_URL: 'mysql://u:secret@db/x' },
      /^the database URL mysql:\/\/u:\*\*\*@db\/x is not postgres:\/\/ or postgresql:\/\/ \(--database-url, env DATABASE_URL\)$/,
    ],
    [
      'MPC_AUTH_FAILURE_LIMIT 0',
      [],
      { ...base, MPC_AUTH_FAILURE_LIMIT: '0' },
      /invalid --auth-failure-limit \(env MPC_AUTH_FAILURE_LIMIT\) "0": must be an integer 1\.\.100000/,
    ],
    [
      '--auth-lockout negative',
      ['--auth-lockout', '-5'],
      base,
      /invalid --auth-lockout \(env MPC_AUTH_LOCKOUT_SECONDS\) -5/,
    ],
    ['--sign-timeout 0', ['--sign-timeout', '0'], base, /invalid --sign-timeout 0: must be an integer 1\.\.600000/],
    [
      'MPC_REQUIRE_MASTER_KEY maybe',
      [],
      { ...base, MPC_REQUIRE_MASTER_KEY: 'maybe' },
      /must be 1, true, yes, on or 0, false, no, off/,
    ],
    [
      '--require-master-key without one',
      ['--require-master-key'],
      base,
      /^--require-master-key is set but there is no master key.*openssl rand -hex 32/,
    ],
    ['a bad master key', [], { ...base, CRYPTO_MASTER_KEY: 'abc' }, /master key must be exactly 64 hex characters/],
    ['no API key', [], {}, /^no API key: set MPC_API_KEY/],
    [
      'MPC_API_KEY and MPC_API_KEY_FILE',
      [],
      { ...base, MPC_API_KEY_FILE: '/nonexistent/k' },
      /^both MPC_API_KEY and MPC_API_KEY_FILE are set: give the value one way only/,
    ],
    [
      'an unreadable DATABASE_URL_FILE',
      [],
      { ...base, DATABASE_URL_FILE: '/nonexistent/u' },
      /^cannot read DATABASE_URL_FILE/,
    ],
    [
      'CRYPTO_MASTER_KEY and its _FILE',
      [],
      { ...base, CRYPTO_MASTER_KEY: MASTER, CRYPTO_MASTER_KEY_FILE: '/nonexistent/m' },
      /^both CRYPTO_MASTER_KEY and CRYPTO_MASTER_KEY_FILE are set/,
    ],
    ['a short pool secret', [], { ...base, MPC_POOL_SECRET: 'short' }, /^invalid MPC_POOL_SECRET: a pool secret is/],
    [
      'a delegate pool secret with a space',
      [],
      { ...base, MPC_DELEGATE_POOL_SECRET: 'has a space in it, long enough' },
      /^invalid MPC_DELEGATE_POOL_SECRET: a pool secret is/,
    ],
    [
      'one secret for both roles',
      [],
      { ...base, MPC_POOL_SECRET: 's'.repeat(32), MPC_DELEGATE_POOL_SECRET: 's'.repeat(32) },
      /MPC_POOL_SECRET and MPC_DELEGATE_POOL_SECRET are the same/,
    ],
    [
      'a missing identity file',
      [],
      { ...base, MPC_IDENTITY_FILE: '/nonexistent/identity.key' },
      /--identity-file \(env MPC_IDENTITY_FILE\) \/nonexistent\/identity\.key does not exist: make it once with `mpc coordinator identity --out/,
    ],
    ['MPC_ANNOUNCE garbage', [], { ...base, MPC_ANNOUNCE: 'nope' }, /invalid --announce \(env MPC_ANNOUNCE\) "nope"/],
    ['a short API key', [], { MPC_API_KEY: 'short' }, /at least 16 characters/],
  ];
  for (const [what, args, env, message] of cases) {
    const dir = freshDir();
    const report = failure(() => coordinatorStart(['--data-dir', dir, ...args], env));
    assert.ok(report, `${what}: accepted`);
    assert.is(report?.status, EXIT.CONFIG, `${what}: ${report?.text}`);
    assert.match(report?.text ?? '', message, what);
    assert.not.match(report?.text ?? '', /\n/, `${what}: one line`);
    assert.not.match(report?.text ?? '', /:secret@|s{32}|p{32}|has a space/, `${what}: no secret shown`);
    assert.not.ok(existsSync(dir), `${what}: the data directory was created`);
    assert.not.ok(existsSync(join(dir, '..')), `${what}: its parent was created`);
  }
});

test('coordinator: a good configuration is typed, and the same values come from flags or the environment', () => {
  const dir = freshDir();
  const { config } = coordinatorStart(['--data-dir', dir, '--port', '4001', '--trusted-proxies', '10.0.0.5'], {
    MPC_API_KEY: `${API_KEY},${'m'.repeat(16)}`,
    ALLOWED_IPS: '10.0.0.0/8 192.168.1.7',
    MPC_LISTEN: '/ip4/0.0.0.0/tcp/7001',
    MPC_ALLOWED_PEERS: PEER,
    CRYPTO_MASTER_KEY: MASTER,
    MPC_REQUIRE_MASTER_KEY: 'true',
    MPC_AUTH_FAILURE_LIMIT: '7',
    PORT: '9999',
    TRUSTED_PROXIES: 'ignored-because-the-flag-wins',
  });
  assert.is(config.port, 4001, 'the flag wins over PORT');
  assert.equal(config.allowedIps, ['10.0.0.0/8', '192.168.1.7']);
  assert.equal(config.trustedProxies, ['10.0.0.5']);
  assert.equal(config.listen, ['/ip4/0.0.0.0/tcp/7001']);
  assert.equal(config.allowedPeers, [PEER]);
  assert.equal(config.apiKeys, [API_KEY, 'm'.repeat(16)]);
  assert.equal(config.authFailureLimit, { perMinute: 7, lockoutSeconds: 60 });
  assert.ok(config.identityKey, 'the identity sub-key');
  assert.is(config.allowSharedDir, false);
  assert.not.ok(existsSync(dir), 'validating creates nothing');
  const defaults = coordinatorStart(['--data-dir', dir], { MPC_API_KEY: API_KEY }).config;
  assert.is(defaults.port, 4000);
  assert.is(defaults.host, '127.0.0.1');
  assert.equal(defaults.listen, ['/ip4/127.0.0.1/tcp/7000']);
  assert.is(defaults.identityKey, undefined, 'no master key: the identity is stored unsealed (with a warning)');
});

test('secret variables from files: X_FILE read (one trailing newline dropped); both X and X_FILE refused', () => {
  const dir = join(root, 'secrets');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text, { mode: 0o600 });
    return path;
  };
  const env = withSecretFiles({
    MPC_API_KEY_FILE: file('api', `${API_KEY}\n`),
    MPC_POOL_SECRET_FILE: file('pool', 'p'.repeat(32)),
    OTHER_FILE: file('other', 'untouched'),
  });
  assert.is(env.MPC_API_KEY, API_KEY);
  assert.is(env.MPC_POOL_SECRET, 'p'.repeat(32));
  assert.is(env.OTHER, undefined, 'only the secret variables are read from files');
  const both = failure(() => withSecretFiles({ MPC_API_KEY: API_KEY, MPC_API_KEY_FILE: file('api2', API_KEY) }));
  assert.is(both?.status, EXIT.CONFIG);
  assert.is(
    both?.text,
    'both MPC_API_KEY and MPC_API_KEY_FILE are set: give the value one way only (unset one of them)',
  );
  const empty = failure(() => withSecretFiles({ MPC_POOL_SECRET_FILE: file('empty', '\n') }));
  assert.match(empty?.text ?? '', /^MPC_POOL_SECRET_FILE .*empty is empty$/);

  // the start commands take them: coordinator (API key, master key, pool secrets, database URL) and party
  const cdir = freshDir();
  const { config } = coordinatorStart(['--data-dir', cdir], {
    MPC_API_KEY_FILE: file('api3', `${API_KEY}\n`),
    CRYPTO_MASTER_KEY_FILE: file('master', `${MASTER}\n`),
    MPC_POOL_SECRET_FILE: file('pool2', `${'q'.repeat(40)}\n`),
    MPC_DELEGATE_POOL_SECRET: 'd'.repeat(40),
    DATABASE_URL_FILE: file('db', 'postgres://u:pw@db:5432/mpc\n'),
    MPC_ANNOUNCE: '/dns4/coordinator/tcp/7000',
  });
  assert.equal(config.apiKeys, [API_KEY]);
  assert.ok(config.identityKey, 'sealed with the master key of the file');
  assert.equal(config.poolSecrets, { persistent: 'q'.repeat(40), delegate: 'd'.repeat(40) });
  assert.is(config.databaseUrl, 'postgres://u:pw@db:5432/mpc');
  assert.equal(config.announce, ['/dns4/coordinator/tcp/7000']);
  const { config: party } = toPartyConfig(
    { 'data-dir': freshDir(), 'log-format': 'json', 'log-level': 'info' },
    '0.1.0',
    {
      CRYPTO_MASTER_KEY_FILE: file('master2', MASTER),
      MPC_POOL_SECRET_FILE: file('pool3', `${'r'.repeat(64)}\n`),
      MPC_COORDINATOR: COORDINATOR,
      MPC_ROLE: 'delegate',
      MPC_LISTEN: '/ip4/0.0.0.0/tcp/7001',
      MPC_ANNOUNCE: '/dns4/party-1/tcp/7001',
      MPC_METRICS_PORT: '9464',
      MPC_METRICS_HOST: '0.0.0.0',
    },
  );
  assert.is(party.poolSecret, 'r'.repeat(64));
  assert.is(party.masterKeyFile, join(dir, 'master2'));
  assert.is(party.coordinator, COORDINATOR);
  assert.is(party.role, 'delegate');
  assert.equal(party.listen, ['/ip4/0.0.0.0/tcp/7001']);
  assert.equal(party.announce, ['/dns4/party-1/tcp/7001']);
  assert.is(party.metricsPort, 9464);
  assert.is(party.metricsHost, '0.0.0.0');
  // the flag wins over the variable
  const flagged = toPartyConfig(partyArgs(freshDir(), { role: 'external', 'metrics-port': 0 }), '0.1.0', {
    CRYPTO_MASTER_KEY: MASTER,
    MPC_ROLE: 'delegate',
    MPC_METRICS_PORT: '9464',
  }).config;
  assert.is(flagged.role, 'external');
  assert.is(flagged.metricsPort, 0);
});

function partyArgs(dir: string, extra: Partial<PartyStartArgs> = {}): PartyStartArgs {
  return {
    'data-dir': dir,
    coordinator: COORDINATOR,
    'log-format': 'json',
    'log-level': 'info',
    ...extra,
  };
}

test('party: each kind of bad setting is a one-line configuration error; the data directory stays absent', () => {
  const key = { CRYPTO_MASTER_KEY: MASTER };
  const cases: [string, Partial<PartyStartArgs>, NodeJS.ProcessEnv, RegExp][] = [
    [
      'a coordinator without /p2p',
      { coordinator: '/ip4/127.0.0.1/tcp/7000' },
      key,
      /^invalid --coordinator .*ending in \/p2p\/<peer id>$/,
    ],
    [
      '--listen garbage',
      { listen: ['nope'] },
      key,
      /invalid --listen \(env MPC_LISTEN\) "nope": must be a multiaddr with a TCP port/,
    ],
    ['MPC_LISTEN garbage', {}, { ...key, MPC_LISTEN: 'tcp://x' }, /invalid --listen \(env MPC_LISTEN\) "tcp:\/\/x"/],
    ['MPC_ANNOUNCE garbage', {}, { ...key, MPC_ANNOUNCE: 'nope' }, /invalid --announce \(env MPC_ANNOUNCE\) "nope"/],
    ['MPC_ROLE unknown', {}, { ...key, MPC_ROLE: 'boss' }, /invalid --role \(env MPC_ROLE\) "boss": must be one of/],
    ['MPC_METRICS_HOST a name', {}, { ...key, MPC_METRICS_HOST: 'localhost' }, /env MPC_METRICS_HOST.*IP address/],
    [
      'MPC_METRICS_PORT garbage',
      {},
      { ...key, MPC_METRICS_PORT: '9x' },
      /invalid --metrics-port \(env MPC_METRICS_PORT\)/,
    ],
    [
      'no coordinator at all',
      { coordinator: undefined },
      key,
      /^no coordinator: give --coordinator or set MPC_COORDINATOR/,
    ],
    [
      'a short pool secret',
      {},
      { ...key, MPC_POOL_SECRET: 'short' },
      /invalid MPC_POOL_SECRET: a pool secret is 16\.\.120/,
    ],
    [
      'a join token and a pool secret',
      { 'join-token': `mpcjoin_${'t'.repeat(20)}` },
      { ...key, MPC_POOL_SECRET: 'p'.repeat(32) },
      /both a join token \(MPC_JOIN_TOKEN\) and a pool secret \(MPC_POOL_SECRET\)/,
    ],
    [
      'CRYPTO_MASTER_KEY and its _FILE',
      {},
      { ...key, CRYPTO_MASTER_KEY_FILE: '/nonexistent/key' },
      /^both CRYPTO_MASTER_KEY and CRYPTO_MASTER_KEY_FILE are set/,
    ],
    [
      'MPC_POOL_SECRET and its _FILE',
      {},
      { ...key, MPC_POOL_SECRET: 'p'.repeat(32), MPC_POOL_SECRET_FILE: '/nonexistent/secret' },
      /^both MPC_POOL_SECRET and MPC_POOL_SECRET_FILE are set/,
    ],
    [
      'an unreadable MPC_JOIN_TOKEN_FILE',
      {},
      { ...key, MPC_JOIN_TOKEN_FILE: '/nonexistent/token' },
      /^cannot read MPC_JOIN_TOKEN_FILE \/nonexistent\/token \(ENOENT\)$/,
    ],
    [
      'a short join token',
      { 'join-token': 'mpcjoin_x' },
      key,
      /invalid --join-token \(env MPC_JOIN_TOKEN\): a join token is 16\.\.128/,
    ],
    ['MPC_JOIN_TOKEN with a space', {}, { ...key, MPC_JOIN_TOKEN: 'mpcjoin_ abcdefghijklmnop' }, /a join token is/],
    [
      '--metrics-port out of range',
      { 'metrics-port': 70000 },
      key,
      /invalid --metrics-port \(env MPC_METRICS_PORT\) 70000: must be an integer 0\.\.65535/,
    ],
    ['--max-sessions 0', { 'max-sessions': 0 }, key, /invalid --max-sessions 0/],
    ['--round-timeout NaN', { 'round-timeout': Number.NaN }, key, /invalid --round-timeout NaN \(not a number\)/],
    ['MPC_ALLOW_SHARED_DIR maybe', {}, { ...key, MPC_ALLOW_SHARED_DIR: 'maybe' }, /MPC_ALLOW_SHARED_DIR/],
    ['no master key', {}, {}, /^no master key: set CRYPTO_MASTER_KEY/],
    ['a bad master key', {}, { CRYPTO_MASTER_KEY: 'zz'.repeat(32) }, /characters other than 0-9 and a-f/],
    ['a missing master key file', { 'master-key-file': '/nonexistent/key' }, {}, /cannot read master key file/],
  ];
  for (const [what, extra, env, message] of cases) {
    const dir = freshDir();
    const report = failure(() => toPartyConfig(partyArgs(dir, extra), '0.1.0', env));
    assert.ok(report, `${what}: accepted`);
    assert.is(report?.status, EXIT.CONFIG, `${what}: ${report?.text}`);
    assert.match(report?.text ?? '', message, what);
    assert.not.match(report?.text ?? '', /\n/, `${what}: one line`);
    assert.not.ok(existsSync(join(dir, '..')), `${what}: something was created`);
  }
  const { config } = toPartyConfig(partyArgs(freshDir(), { 'pair-max-age': 2 }), '0.1.0', key);
  assert.is(config.pairMaxAgeMs, 2 * 86_400_000);
  assert.equal(config.listen, ['/ip4/127.0.0.1/tcp/0']);
  assert.is(config.maxSessions, 32);
});

test('a data directory others may access is refused unless shared on purpose, and left untouched', () => {
  const dir = join(root, 'shared');
  mkdirSync(dir);
  chmodSync(dir, 0o755);
  writeFileSync(join(dir, 'keep'), 'x', { mode: 0o644 });
  const party = failure(() => toPartyConfig(partyArgs(dir), '0.1.0', { CRYPTO_MASTER_KEY: MASTER }));
  assert.is(party?.status, EXIT.CONFIG);
  assert.match(
    party?.text ?? '',
    new RegExp(
      `^the data directory ${dir} has mode 0755: other users can reach the node's identity and data; run chmod 700 ${dir}, or pass --allow-shared-dir if it is shared on purpose$`,
    ),
  );
  const coordinator = failure(() => coordinatorStart(['--data-dir', dir], { MPC_API_KEY: API_KEY }));
  assert.is(coordinator?.status, EXIT.CONFIG);
  assert.match(coordinator?.text ?? '', /has mode 0755/);
  assert.equal(readdirSync(dir), ['keep'], 'nothing was added');
  // on purpose: accepted, modes left alone
  assert.is(
    toPartyConfig(partyArgs(dir, { 'allow-shared-dir': true }), '0.1.0', { CRYPTO_MASTER_KEY: MASTER }).allowSharedDir,
    true,
  );
  assert.is(
    coordinatorStart(['--data-dir', dir], { MPC_API_KEY: API_KEY, MPC_ALLOW_SHARED_DIR: '1' }).config.allowSharedDir,
    true,
  );
  assert.is(secureDataDir(dir, { allowShared: true }), 0);
  // a file where the directory should be, and a parent that cannot be written
  const file = join(root, 'a-file');
  writeFileSync(file, '');
  assert.match(failure(() => checkDataDir(file))?.text ?? '', /is not a directory; choose another --data-dir/);
  assert.match(failure(() => checkDataDir(join(file, 'sub')))?.text ?? '', /cannot create the data directory/);
});

test('secureDataDir creates 0700 and takes group and other access off what is inside', () => {
  const dir = join(root, 'tighten');
  mkdirSync(join(dir, 'sub'), { recursive: true });
  chmodSync(dir, 0o700);
  chmodSync(join(dir, 'sub'), 0o755);
  writeFileSync(join(dir, 'sub', 'f'), 'x', { mode: 0o644 });
  writeFileSync(join(dir, 'ro'), 'x', { mode: 0o440 });
  assert.is(secureDataDir(dir), 3);
  const mode = (p: string) => statSync(join(dir, p)).mode & 0o777;
  assert.is(mode('sub'), 0o700);
  assert.is(mode('sub/f'), 0o600);
  assert.is(mode('ro'), 0o400, 'owner bits kept');
  assert.is(secureDataDir(dir), 0, 'nothing left to change');
  const made = join(root, 'made', 'deep');
  secureDataDir(made);
  assert.is(statSync(made).mode & 0o777, 0o700);
});

test.after(() => rmSync(root, { recursive: true, force: true }));

test.run();
