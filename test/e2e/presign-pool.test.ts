/**
 * Presignature pools through REST on a dev network of real party processes (coordinator `--presign-pool 2`):
 * the pool warms while idle; a signing uses a presignature (`presigned: true`, only the online round) and the
 * signature recovers the account's address (ethers), a derived child's signing too; signing more than the pool
 * holds falls back to full
 * signings (`presigned: false`); a refresh empties the pool of the old key, signing still works and the pool
 * refills for the new key; a hybrid account is never presigned; after a graceful restart the pool still signs
 * in one round (each party put its armed presignatures back). MPC_TEST_PARTY_LOGS=1 prints the parties' logs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recoverAddress } from 'ethers';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startDevNetwork } from '../../cli/dev-network.js';
import { toHex } from '../../protocols/common/bytes.js';
import { devApi, devNetworkEnv } from '../helpers/dev-api.js';

const env = devNetworkEnv();

const POOL = 2;

interface Account {
  accountId: string;
  address: string;
  presignatures?: number;
}

test('a warm pool signs in one online round; more than the pool falls back; a refresh empties it; hybrid never; a restart keeps it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mpc-presign-'));
  const start = () =>
    startDevNetwork({
      dir,
      port: 0,
      parties: 3,
      delegates: 1,
      env,
      presignPool: POOL,
      ...(process.env.MPC_TEST_PARTY_LOGS
        ? { logLevel: 'info' as const, onPartyLine: (n: string, l: string) => console.log(n, l) }
        : {}),
    });
  let net = await start();
  try {
    let api = devApi(net);
    const held = async (id: string) =>
      ((await api.get(`/api/v1/accounts/${id}`)).body as unknown as Account).presignatures;
    const warm = async (id: string, want: number, label: string) => {
      const deadline = Date.now() + 60_000;
      let n = await held(id);
      while (n !== want && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
        n = await held(id);
      }
      assert.is(n, want, `${label}: the pool holds ${n}`);
    };
    const sign = async (account: Account, label: string) => {
      const hash = `0x${toHex(crypto.getRandomValues(new Uint8Array(32)))}`;
      const r = await api.post(`/api/v1/accounts/${account.accountId}/sign`, { messageHash: hash });
      assert.is(r.status, 200, `${label}: ${JSON.stringify(r.body)}`);
      assert.is(recoverAddress(hash, r.body.signatureHex as string), account.address, label);
      return r.body as { presigned: boolean; sessionId: string };
    };

    const created = await api.post('/api/v1/accounts', { userId: 'pool' });
    assert.is(created.status, 201, JSON.stringify(created.body));
    const account = created.body as unknown as Account;
    const hybrid = await api.post('/api/v1/accounts', { userId: 'pool', custody: 'hybrid' });
    assert.is(hybrid.status, 201, JSON.stringify(hybrid.body));
    await warm(account.accountId, POOL, 'warm');

    // the warm pool: one online round, and the session names the presign session it used
    const first = await sign(account, 'presigned');
    assert.is(first.presigned, true);
    const session = (await api.get(`/api/v1/sessions/${first.sessionId}`)).body as {
      kind: string;
      events: { type: string; detail?: { presignatureId?: string } }[];
    };
    assert.is(session.kind, 'sign');
    const used = session.events.find((e) => e.type === 'presignature')?.detail?.presignatureId;
    assert.type(used, 'string');
    const presignSession = (await api.get(`/api/v1/sessions/${used}`)).body as { kind: string; status: string };
    assert.is(presignSession.kind, 'presign');
    assert.is(presignSession.status, 'completed');

    // a BIP32 child signs from the pool too (the online round adds the child's tweak; R is re-randomised)
    const childHash = `0x${toHex(crypto.getRandomValues(new Uint8Array(32)))}`;
    const child = await api.post(`/api/v1/accounts/${account.accountId}/sign`, {
      messageHash: childHash,
      derivationPath: 'm/0/5',
    });
    assert.is(child.status, 200, JSON.stringify(child.body));
    assert.is(child.body.presigned, true);
    assert.is(child.body.derivationPath, 'm/0/5');
    assert.is.not(child.body.address, account.address);
    assert.is(recoverAddress(childHash, child.body.signatureHex as string), child.body.address, 'the child key signed');
    await warm(account.accountId, POOL, 'refilled after the child signing');

    // back to back, more than the pool holds: the last one runs a full signing
    const burst = [];
    for (let k = 0; k <= POOL; k++) burst.push((await sign(account, `burst ${k}`)).presigned);
    assert.equal(burst, [...Array(POOL).fill(true), false], 'an empty pool falls back to a full signing');

    // the hybrid account (its user share comes with each request) is never presigned
    assert.is(await held((hybrid.body as unknown as Account).accountId), 0);

    // a refresh: the old key's presignatures are gone at once; signing works; the pool refills for the new key
    await warm(account.accountId, POOL, 'refilled');
    const refreshed = await api.post(`/api/v1/accounts/${account.accountId}/refresh`, {});
    assert.is(refreshed.status, 200, JSON.stringify(refreshed.body));
    assert.is(await held(account.accountId), 0, 'the refresh emptied the pool of the old key');
    await sign(account, 'after the refresh');
    await warm(account.accountId, POOL, 'refilled for the new key');
    assert.is((await sign(account, 'presigned with the new key')).presigned, true);

    // a graceful restart: the parties put their armed presignatures back, so the pool the coordinator kept still
    // signs in one round (after a crash those would be gone as used, and each signing would fall back)
    await warm(account.accountId, POOL, 'refilled before the restart');
    await net.stop();
    net = await start();
    api = devApi(net);
    assert.is(await held(account.accountId), POOL, 'the coordinator kept its pool');
    const afterRestart = [];
    for (let k = 0; k < POOL; k++) afterRestart.push((await sign(account, `after the restart ${k}`)).presigned);
    assert.equal(afterRestart, Array(POOL).fill(true), 'the presignatures armed before the restart were put back');
  } finally {
    await net.stop().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
