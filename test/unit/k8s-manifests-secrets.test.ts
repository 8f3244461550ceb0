/**
 * The secrets of the Kubernetes deployment: no secret values committed under k8s/ (and the scan finds each kind),
 * generated secret files ignored by git, and generate-secrets.sh.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { REPO } from '../../scripts/k8s/render.js';
import { committableFiles, scanForSecrets } from '../../scripts/k8s/secret-scan.js';

test('no secret values are committed under k8s/', () => {
  const files = committableFiles(REPO, 'k8s');
  assert.ok(files.length >= 10, `${files.length} files`);
  assert.equal(scanForSecrets(files), []);
});

test('the secret scan finds each kind of secret literal, and passes placeholders and paths', () => {
  const hex = 'ab'.repeat(32);
  const b64 = Buffer.from(Array.from({ length: 32 }, (_, i) => i * 7)).toString('base64');
  const cases: [string, string][] = [
    [`CRYPTO_MASTER_KEY=${hex}`, 'hex key'],
    [`key: ${b64}`, 'base64 blob'],
    ['-----BEGIN OPENSSH PRIVATE KEY-----', 'PEM private key'],
    ['url: postgres://mpc:s3cretpassw0rd@db:5432/mpc', 'credentials in a URL'],
    ['MPC_API_KEY: "letmein-please"', 'secret assignment'],
  ];
  for (const [line, kind] of cases) {
    const found = scanForSecrets([{ path: 'k8s/x.sh', text: `# ok\n${line}\n` }]);
    assert.ok(
      found.some((f) => f.kind === kind && f.line === 2),
      `${kind} in ${JSON.stringify(line)}: ${JSON.stringify(found)}`,
    );
  }
  const secretYaml = 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\ndata:\n  a: eA==\n';
  assert.equal(scanForSecrets([{ path: 'k8s/s.yaml', text: secretYaml }])[0]?.kind, 'Secret with inline data');
  const fine = [
    'postgres://user:password@host:5432/db',
    "printf 'postgres://mpc:%s@mpc-postgres' x",
    '- pool-secret=secrets/pool-secret',
    'MPC_API_KEY=$(cat k8s/overlays/dev/secrets/api-key)',
    'path: /spec/volumeClaimTemplates/0/spec/resources/requests/storage',
    `sha256=${hex} # not-a-secret: a published checksum`,
  ];
  assert.equal(scanForSecrets([{ path: 'k8s/ok.md', text: fine.join('\n') }]), []);
});

test('git ignores the generated secret files, and keeps the notes beside them', () => {
  const ignored = (path: string) => spawnSync('git', ['check-ignore', '-q', path], { cwd: REPO }).status === 0;
  for (const overlay of ['dev', 'prod']) {
    for (const f of ['party-master-key', 'coordinator-identity.key', 'coordinator.env', 'database-url']) {
      assert.ok(ignored(`k8s/overlays/${overlay}/secrets/${f}`), `${overlay}/${f} ignored`);
    }
    assert.not.ok(ignored(`k8s/overlays/${overlay}/secrets/README.md`));
  }
  assert.not.ok(ignored('k8s/overlays/dev/kustomization.yaml'));
});

/** Runs generate-secrets.sh on a scratch copy of an overlay. */
function generate(dir: string, overlay: string, env: Record<string, string>) {
  return spawnSync('bash', [join(REPO, 'k8s/generate-secrets.sh'), overlay, '--dir', dir], {
    encoding: 'utf8',
    env: { ...process.env, DATABASE_URL: '', DATABASE_URL_FILE: '', ...env },
  });
}

const STAND_IN = `${process.execPath} ${join(REPO, 'scripts/k8s/stand-in-identity.mjs')}`;

test('generate-secrets.sh writes every file 0600 once, keeps them on a second run, and fails clearly', () => {
  const root = mkdtempSync(join(tmpdir(), 'mpc-k8s-gen-'));
  try {
    const dev = join(root, 'dev');
    cpSync(join(REPO, 'k8s/overlays/dev/kustomization.yaml'), join(dev, 'kustomization.yaml'));
    const first = generate(dev, 'dev', { MPC_CLI: STAND_IN });
    assert.is(first.status, 0, first.stderr);
    const files = [
      'coordinator-master-key',
      'party-master-key',
      'delegate-master-key',
      'api-key',
      'pool-secret',
      'delegate-pool-secret',
      'postgres-password',
      'database-url',
      'coordinator-identity.key',
      'coordinator.env',
    ];
    const before = new Map<string, string>();
    for (const f of files) {
      const path = join(dev, 'secrets', f);
      assert.is(statSync(path).mode & 0o777, 0o600, f);
      before.set(f, readFileSync(path, 'latin1'));
    }
    assert.match(before.get('party-master-key')!, /^[0-9a-f]{64}\n$/);
    assert.is.not(before.get('party-master-key'), before.get('coordinator-master-key'));
    const password = before.get('postgres-password')!.trim();
    assert.is(before.get('database-url'), `postgres://mpc:${password}@mpc-postgres.mpc.svc:5432/mpc\n`);
    assert.match(
      before.get('coordinator.env')!,
      /^MPC_COORDINATOR=\/dns4\/mpc-coordinator\.mpc\.svc\/tcp\/7000\/p2p\/12D3KooW[1-9A-HJ-NP-Za-km-z]{44}\n$/,
    );

    // a second run keeps everything, even with an identity tool that would fail
    const second = generate(dev, 'dev', { MPC_CLI: 'false' });
    assert.is(second.status, 0, second.stderr);
    for (const f of files) assert.is(readFileSync(join(dev, 'secrets', f), 'latin1'), before.get(f), f);

    // an identity tool that prints no peer id: refused, and no half identity left behind
    const other = join(root, 'other');
    cpSync(join(REPO, 'k8s/overlays/dev/kustomization.yaml'), join(other, 'kustomization.yaml'));
    const tool = join(root, 'no-peer-id.sh');
    writeFileSync(tool, 'printf key > "$4"; echo done\n'); // called as: coordinator identity --out FILE
    const silent = generate(other, 'dev', { MPC_CLI: `sh ${tool}` });
    assert.is.not(silent.status, 0);
    assert.match(silent.stderr, /printed no peer id/);
    assert.throws(() => statSync(join(other, 'secrets/coordinator-identity.key')));

    // prod needs the external database's URL, and says so
    const prod = join(root, 'prod');
    cpSync(join(REPO, 'k8s/overlays/prod/kustomization.yaml'), join(prod, 'kustomization.yaml'));
    const noUrl = generate(prod, 'prod', { MPC_CLI: STAND_IN });
    assert.is.not(noUrl.status, 0);
    assert.match(noUrl.stderr, /DATABASE_URL=postgres:/);
    const url = 'postgres://mpc:x@db.example.invalid:5432/mpc';
    const withUrl = generate(prod, 'prod', { MPC_CLI: STAND_IN, DATABASE_URL: url });
    assert.is(withUrl.status, 0, withUrl.stderr);
    assert.is(readFileSync(join(prod, 'secrets/database-url'), 'utf8'), `${url}\n`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test.run();
