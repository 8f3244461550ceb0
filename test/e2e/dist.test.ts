/**
 * Production runs compiled JavaScript: `scripts/build.mjs` compiles the sources into a fresh folder (with the
 * PGlite worker and the SQL migrations beside them), and the compiled `mpc dev` runs a whole network without
 * tsx: its party processes run the compiled CLI too, and a keygen and a signing go through. The `mpc` launcher
 * (cli/bin.js) runs dist/ only while it is current and the sources otherwise.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recoverAddress } from 'ethers';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { packageRoot, packageVersion } from '../../src/runtime/package-info.js';
import { spawnNode } from '../../src/runtime/processes.js';

const root = packageRoot();
// inside the repository, so that the compiled code finds node_modules and package.json by walking up
const out = join(root, 'build', `dist-test-${process.pid}`);
const compiled = { script: join(out, 'cli', 'index.js'), execArgv: [] };
const env = { ...process.env };
delete env.MPC_API_KEY;
delete env.CRYPTO_MASTER_KEY;
delete env.DATABASE_URL;
delete env.NODE_OPTIONS;

test.before(() => {
  execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs'), '--out', out], { stdio: 'pipe' });
});

test.after(() => {
  rmSync(out, { recursive: true, force: true });
});

test('the build holds the compiled CLI, the PGlite worker, the migrations and a stamp', () => {
  for (const f of ['cli/index.js', 'coordinator/db/pglite-worker.mjs', 'coordinator/db/migrations/001_init.sql']) {
    assert.ok(existsSync(join(out, f)), f);
  }
  assert.ok(existsSync(join(out, '.build-stamp')));
  const r = spawnSync(process.execPath, [compiled.script, '--version'], { env, encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stdout.trim(), packageVersion());
});

test('the compiled mpc dev runs a network without tsx: its parties run compiled code; keygen and signing work', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mpc-dist-'));
  const dev = spawnNode(compiled, ['dev', '--dir', dir, '--port', '0'], { env });
  try {
    const api = (await dev.waitFor(/API {6}(\S+)/, 120_000))[1] as string;
    const key = (await dev.waitFor(/API key {2}(\S+)/))[1] as string;
    const line = (await dev.waitFor(/parties {2}(.*)\n/))[1] as string;
    const pids = [...line.matchAll(/pid (\d+)/g)].map((m) => Number(m[1]));
    assert.is(pids.length, 3, line);
    for (const pid of pids) {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      assert.ok(cmdline.includes(compiled.script), cmdline.join(' '));
      assert.not.ok(
        cmdline.some((a) => a.includes('tsx')),
        `a party runs through tsx: ${cmdline.join(' ')}`,
      );
    }
    const post = (path: string, body: unknown) =>
      fetch(`${api}${path}`, {
        method: 'POST',
        headers: { 'x-api-key': key, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const created = await post('/api/v1/accounts', { userId: 'dist' });
    assert.is(created.status, 201);
    const account = (await created.json()) as { accountId: string; address: string };
    const hash = `0x${'ef'.repeat(32)}`;
    const signed = await post(`/api/v1/accounts/${account.accountId}/sign`, { messageHash: hash });
    assert.is(signed.status, 200);
    assert.is(recoverAddress(hash, ((await signed.json()) as { signatureHex: string }).signatureHex), account.address);
    const stopped = await dev.stop('SIGINT', 30_000);
    assert.equal({ code: stopped.code, killed: stopped.killed }, { code: 0, killed: false }, dev.tail());
  } finally {
    await dev.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

test('cli/bin.js runs dist/ while it is current, the sources when it is missing or older (with a note)', () => {
  // a miniature package: the real launcher, a "compiled" and a "source" CLI that say which they are
  const pkg = join(root, 'build', `bin-test-${process.pid}`);
  try {
    mkdirSync(join(pkg, 'cli'), { recursive: true });
    copyFileSync(join(root, 'cli', 'bin.js'), join(pkg, 'cli', 'bin.js'));
    writeFileSync(join(pkg, 'cli', 'index.ts'), "const from: string = 'sources';\nconsole.log(from);\n");
    const run = () => spawnSync(process.execPath, [join(pkg, 'cli', 'bin.js')], { env, encoding: 'utf8' });

    const missing = run();
    assert.is(missing.stdout.trim(), 'sources', missing.stderr);
    assert.is(missing.stderr, '', 'no note without a build');

    mkdirSync(join(pkg, 'dist', 'cli'), { recursive: true });
    writeFileSync(join(pkg, 'dist', 'cli', 'index.js'), "console.log('compiled');\n");
    const stamp = join(pkg, 'dist', '.build-stamp');
    writeFileSync(stamp, '');
    const later = new Date(Date.now() + 60_000);
    utimesSync(stamp, later, later);
    const current = run();
    assert.is(current.stdout.trim(), 'compiled', current.stderr);

    const earlier = new Date(Date.now() - 60_000);
    utimesSync(stamp, earlier, earlier);
    const stale = run();
    assert.is(stale.stdout.trim(), 'sources');
    assert.match(stale.stderr, /dist\/ is older than the sources; running the sources \(npm run build refreshes/);
  } finally {
    rmSync(pkg, { recursive: true, force: true });
  }
});

test.run();
