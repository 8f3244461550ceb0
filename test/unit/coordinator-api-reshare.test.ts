/**
 * The refresh and reshare routes: what the service is given (parsed once), and each refused body a 400 naming the
 * field, never reaching the service.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { assertError, withApi } from '../helpers/api-harness.js';

const PARTY_A = `12D3KooW${'A'.repeat(44)}`;
const PARTY_B = `12D3KooW${'B'.repeat(44)}`;

test('refresh and reshare reach the service with their parsed arguments and answer the account and session', () =>
  withApi(async ({ post, service }) => {
    const created = (await (await post('/api/v1/accounts', { userId: 'u' })).json()) as { accountId: string };
    const id = created.accountId;
    const refreshed = await post(`/api/v1/accounts/${id}/refresh`, {});
    assert.is(refreshed.status, 200);
    const body = (await refreshed.json()) as { account: { rekeyedAt: string }; session: { kind: string } };
    assert.is(body.session.kind, 'reshare');
    assert.ok(body.account.rekeyedAt);
    assert.equal(service.calls.at(-1), { method: 'refreshAccount', args: [id] });
    assert.is((await post(`/api/v1/accounts/${id}/reshare`, { parties: 5, threshold: 3 })).status, 200);
    assert.equal(service.calls.at(-1), { method: 'reshareAccount', args: [id, { parties: 5, threshold: 3 }] });
    assert.is((await post(`/api/v1/accounts/${id}/reshare`, { parties: [PARTY_A, PARTY_B] })).status, 200);
    assert.equal(service.calls.at(-1), { method: 'reshareAccount', args: [id, { parties: [PARTY_A, PARTY_B] }] });
    await assertError(await post('/api/v1/accounts/nope/refresh', {}), 404, 'NOT_FOUND');
  }));

test('refused reshare and refresh bodies: 400 naming the field; the service never sees them', () =>
  withApi(async ({ post, service }) => {
    const bad: [unknown, string][] = [
      [{ parties: 3, threshold: 4 }, 'threshold: must not exceed parties (3)'],
      [{ parties: [PARTY_A, PARTY_B], threshold: 3 }, 'threshold: must not exceed parties (2)'],
      [{ parties: 1 }, 'parties'],
      [{ parties: [PARTY_A] }, 'parties'],
      [{ parties: [PARTY_A, PARTY_A] }, 'parties'],
      [{ parties: ['not-a-peer-id', PARTY_B] }, 'parties'],
      [{ threshold: 2 }, 'parties'],
      [{ parties: 3, extra: 1 }, 'extra'],
    ];
    for (const [body, field] of bad) {
      const res = await post('/api/v1/accounts/acct-1/reshare', body);
      assert.is(res.status, 400, JSON.stringify(body));
      const json = (await res.json()) as { error: { code: string; message: string } };
      assert.is(json.error.code, 'INVALID_REQUEST');
      assert.ok(json.error.message.includes(field), `${JSON.stringify(body)}: ${json.error.message}`);
    }
    const extra = await post('/api/v1/accounts/acct-1/refresh', { parties: 3 });
    assert.is(extra.status, 400);
    assert.is(service.count('reshareAccount') + service.count('refreshAccount'), 0);
  }));

test.run();
