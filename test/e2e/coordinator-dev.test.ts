/**
 * `npm start` (`mpc dev`) as a user runs it: a fresh data directory, a coordinator and three party processes,
 * the printed API URL, API key and curl command working as printed, Ctrl-C (SIGINT) stopping everything
 * cleanly, and a second start reusing the same keys and data (the account is still there).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recoverAddress } from 'ethers';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mpcProgram } from '../../cli/self.js';
import { type CliProcess, freePort, mpc, stop } from '../helpers/processes.js';

const dir = mkdtempSync(join(tmpdir(), 'mpc-dev-'));
const env = { ...process.env };
delete env.MPC_API_KEY;
delete env.CRYPTO_MASTER_KEY;
delete env.DATABASE_URL;
let port = 0;
let dev: CliProcess | undefined;
let accountId = '';
let address = '';

async function startDev(): Promise<{ api: string; key: string; curl: string }> {
  dev = mpc(['dev', '--dir', dir, '--port', String(port)], env);
  await dev.waitFor(/Ctrl-C stops the network/, 120_000);
  const api = (await dev.waitFor(/API {6}(\S+)/))[1] as string;
  const key = (await dev.waitFor(/API key {2}(\S+)/))[1] as string;
  const curl = (await dev.waitFor(/(curl -s -X POST \S+\/api\/v1\/accounts .*)/))[1] as string;
  return { api, key, curl };
}

test.before(async () => {
  port = await freePort();
});

test.after(async () => {
  if (dev) await stop(dev, 'SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

test('mpc dev starts three parties, prints a working API key and curl, and stops cleanly on Ctrl-C', async () => {
  const { api, key, curl } = await startDev();
  assert.is(api, `http://127.0.0.1:${port}`);
  assert.match(dev?.out ?? '', /3\/3 parties online/);
  assert.is(readFileSync(join(dir, 'api-key'), 'utf8').trim(), key);
  assert.is(statSync(join(dir, 'api-key')).mode & 0o777, 0o600);
  assert.is(statSync(join(dir, 'master.key')).mode & 0o777, 0o600);
  // the printed curl, as printed: its URL, header and body
  const body = curl.match(/-d '(.*)'$/)?.[1] as string;
  assert.match(curl, new RegExp(`X-API-Key: ${key}`));
  const created = await fetch(`${api}/api/v1/accounts`, {
    method: 'POST',
    headers: { 'x-api-key': key, 'content-type': 'application/json' },
    body,
  });
  assert.is(created.status, 201);
  const account = (await created.json()) as { accountId: string; address: string };
  accountId = account.accountId;
  address = account.address;
  const hash = `0x${'ab'.repeat(32)}`;
  const signed = await fetch(`${api}/api/v1/accounts/${accountId}/sign`, {
    method: 'POST',
    headers: { 'x-api-key': key, 'content-type': 'application/json' },
    body: JSON.stringify({ messageHash: hash }),
  });
  assert.is(signed.status, 200);
  assert.is(recoverAddress(hash, ((await signed.json()) as { signatureHex: string }).signatureHex), address);
  assert.ok(dev);
  assert.is(await stop(dev, 'SIGINT'), 0);
  assert.match(dev.out, /mpc dev: stopped/);
});

test('a second mpc dev reuses the keys and data of the first', async () => {
  const { api, key } = await startDev();
  assert.is(key, readFileSync(join(dir, 'api-key'), 'utf8').trim());
  const res = await fetch(`${api}/api/v1/accounts/${accountId}`, { headers: { 'x-api-key': key } });
  assert.is(res.status, 200);
  assert.is(((await res.json()) as { address: string }).address, address);
  assert.ok(dev);
  assert.is(await stop(dev, 'SIGINT'), 0);
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  test(`${signal} to the whole process group (Ctrl-C in a terminal; a service manager's stop) stops cleanly, exit 0`, async () => {
    // a terminal (or systemd) signals every process of the group: the parties get the signal as well as mpc dev,
    // which then stops them with SIGTERM; a party already stopping must finish its stop, not die of that second one
    const program = mpcProgram();
    const child = spawn(
      process.execPath,
      [...program.execArgv, program.script, 'dev', '--dir', dir, '--port', String(port)],
      {
        env,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout.on('data', (d) => {
      out += String(d);
    });
    child.stderr.on('data', (d) => {
      out += String(d);
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const group = child.pid as number;
    try {
      const deadline = Date.now() + 120_000;
      while (!/Ctrl-C stops the network/.test(out) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 100));
      assert.match(out, /Ctrl-C stops the network/);
      process.kill(-group, signal);
      assert.is(await exited, 0, out);
      assert.not.match(out, /error while stopping/);
      assert.match(out, /mpc dev: stopped/);
    } finally {
      try {
        process.kill(-group, 'SIGKILL');
      } catch {
        // the group is gone: nothing left to stop
      }
    }
  });
}

test.run();
