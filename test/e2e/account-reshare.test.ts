/**
 * Refresh and reshare through REST on a dev network of real party processes: the account keeps its public key
 * and address through a refresh (2-of-3), a reshare that grows it to 3-of-5 and one that replaces parties; after
 * each it signs (checked with ethers apart from the coordinator's own check). Then the stores on disk: the parties
 * of the final key hold exactly one committed share each (the old ones deleted at the commits), the parties that
 * left hold none, and no reshare note is left behind. Requests the coordinator must refuse get their code.
 * MPC_TEST_PARTY_LOGS=1 prints the parties' logs (info).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recoverAddress } from 'ethers';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startDevNetwork } from '../../cli/dev-network.js';
import { toHex } from '../../protocols/common/bytes.js';
import { MasterKey } from '../../src/runtime/master-key.js';
import { ShareStore } from '../../src/store/share-store.js';
import { type DevApi, devApi, devNetworkEnv } from '../helpers/dev-api.js';

const env = devNetworkEnv();

interface Account {
  accountId: string;
  publicKey: string;
  address: string;
  threshold: number;
  parties: { partyId: string; index: number }[];
  rekeyedAt: string | null;
  xpub: string | null;
}
interface Reshared {
  account: Account;
  session: { sessionId: string; kind: string; status: string; parties: { partyId: string; index: number }[] };
}

/** Signs a fresh hash and checks the signature recovers the account's address. */
async function signs(api: DevApi, account: Account, label: string): Promise<void> {
  const hash = `0x${toHex(crypto.getRandomValues(new Uint8Array(32)))}`;
  const r = await api.post(`/api/v1/accounts/${account.accountId}/sign`, { messageHash: hash });
  assert.is(r.status, 200, `${label}: ${JSON.stringify(r.body)}`);
  const sig = r.body.signatureHex as string;
  assert.is(recoverAddress(hash, sig), account.address, label);
}

test('refresh, grow to 3-of-5, replace parties: same key and address, signs after each; old shares gone on disk', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mpc-reshare-'));
  const net = await startDevNetwork({
    dir,
    port: 0,
    parties: 5,
    delegates: 0,
    env,
    ...(process.env.MPC_TEST_PARTY_LOGS
      ? { logLevel: 'info' as const, onPartyLine: (n: string, l: string) => console.log(n, l) }
      : {}),
  });
  const ids = net.parties.map((p) => p.peerId);
  let final: Account | undefined;
  try {
    const api = devApi(net);
    const created = await api.post('/api/v1/accounts', { userId: 'reshare', include: ids.slice(0, 3) });
    assert.is(created.status, 201, JSON.stringify(created.body));
    const account = created.body as unknown as Account;
    assert.is(account.rekeyedAt, null);
    await signs(api, account, 'before');

    const refreshed = await api.post(`/api/v1/accounts/${account.accountId}/refresh`, {});
    assert.is(refreshed.status, 200, JSON.stringify(refreshed.body));
    const r1 = refreshed.body as unknown as Reshared;
    assert.is(r1.account.publicKey, account.publicKey);
    assert.is(r1.account.address, account.address);
    assert.ok(account.xpub?.startsWith('xpub'));
    assert.is(r1.account.xpub, account.xpub, 'the xpub (public key and chain code) is kept');
    assert.equal(r1.account.parties, account.parties, 'a refresh keeps every party at its index');
    assert.is(r1.account.threshold, 2);
    assert.ok(r1.account.rekeyedAt, 'rekeyedAt is set');
    assert.is(r1.session.kind, 'reshare');
    assert.is(r1.session.status, 'completed');
    await signs(api, r1.account, 'after the refresh');

    const grown = await api.post(`/api/v1/accounts/${account.accountId}/reshare`, { parties: 5, threshold: 3 });
    assert.is(grown.status, 200, JSON.stringify(grown.body));
    const r2 = grown.body as unknown as Reshared;
    assert.is(r2.account.publicKey, account.publicKey);
    assert.is(r2.account.xpub, account.xpub, 'a newcomer gets the chain code too');
    assert.is(r2.account.threshold, 3);
    assert.equal(
      r2.account.parties.map((p) => p.index),
      [1, 2, 3, 4, 5],
    );
    assert.equal(new Set(r2.account.parties.map((p) => p.partyId)), new Set(ids));
    await signs(api, r2.account, 'after growing to 3-of-5');

    // replace: keep parties 1, 2 and 4 of the network, 2-of-3 again; 3 and 5 leave the key
    const keep = [ids[0], ids[1], ids[3]] as string[];
    const moved = await api.post(`/api/v1/accounts/${account.accountId}/reshare`, { parties: keep, threshold: 2 });
    assert.is(moved.status, 200, JSON.stringify(moved.body));
    const r3 = moved.body as unknown as Reshared;
    assert.is(r3.account.address, account.address);
    assert.is(r3.account.xpub, account.xpub);
    assert.equal(new Set(r3.account.parties.map((p) => p.partyId)), new Set(keep));
    assert.is(r3.session.parties.length, 5, 'all five old parties dealt');
    await signs(api, r3.account, 'after replacing parties');
    final = r3.account;

    // refused requests
    const unknown = await api.post('/api/v1/accounts/00000000-0000-4000-8000-000000000000/refresh', {});
    assert.is(unknown.status, 404);
    const tooHigh = await api.post(`/api/v1/accounts/${account.accountId}/reshare`, { parties: 3, threshold: 4 });
    assert.is(tooHigh.status, 400);
    assert.match(JSON.stringify(tooHigh.body), /threshold/);
    const stranger = `12D3KooW${'A'.repeat(44)}`;
    const notOnline = await api.post(`/api/v1/accounts/${account.accountId}/reshare`, {
      parties: [ids[0], stranger],
    });
    assert.ok([400, 503].includes(notOnline.status), JSON.stringify(notOnline.body));

    // a refresh needs every party of the key: stop one and it is 503 naming it, and the key still signs
    const gone = net.parties.find((p) => p.peerId === keep[2]);
    await gone?.process.stop();
    const deadline = Date.now() + 20_000;
    let offline = await api.post(`/api/v1/accounts/${account.accountId}/refresh`, {});
    while (offline.status !== 503 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      offline = await api.post(`/api/v1/accounts/${account.accountId}/refresh`, {});
    }
    assert.is(offline.status, 503, JSON.stringify(offline.body));
    assert.match(String((offline.body.error as { message: string }).message), keep[2] as string);
    await signs(api, r3.account, 'with the third party stopped');
  } finally {
    await net.stop().catch(() => {});
  }
  try {
    const key = MasterKey.fromHex(readFileSync(join(dir, 'master.key'), 'utf8'), 'test');
    for (const [k, party] of net.parties.entries()) {
      const store = await ShareStore.open(join(dir, `party-${k + 1}`), key);
      try {
        const shares = await store.listShares();
        const inKey = final?.parties.some((p) => p.partyId === party.peerId);
        assert.is(shares.length, inKey ? 1 : 0, `${party.name} holds ${shares.length} shares`);
        for (const s of shares) {
          assert.is(s.status, 'committed');
          assert.is(`0x${toHex(s.publicKey)}`, final?.publicKey);
          assert.is(s.threshold, 2);
        }
      } finally {
        await store.close();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
