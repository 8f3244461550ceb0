// `deploy.sh test-api`, run inside the coordinator container (node /app/docker/test-api.mjs): creates an
// account, signs a random 32-byte hash, verifies the signature under the account's public key itself (not
// trusting the coordinator's own check), checks the address recovers from it, and prints the address.
// With an account id as argument it signs with that account instead of making one. Exit 0 when the signature
// verifies, 1 otherwise. Env: MPC_API_URL (default http://127.0.0.1:$PORT), MPC_API_KEY
// (or MPC_API_KEY_FILE; the first key of the list), TEST_API_USER (default a fresh one).
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';

const api = process.env.MPC_API_URL || `http://127.0.0.1:${process.env.PORT || 4000}`;
const keys =
  process.env.MPC_API_KEY || (process.env.MPC_API_KEY_FILE ? readFileSync(process.env.MPC_API_KEY_FILE, 'utf8') : '');
const key = keys.split(/[\s,]+/).find((k) => k.length > 0);
if (!key) fail('no API key: set MPC_API_KEY or MPC_API_KEY_FILE');

function fail(message) {
  console.error(`test-api: FAILED: ${message}`);
  process.exit(1);
}

async function call(method, path, body) {
  const res = await fetch(`${api}${path}`, {
    method,
    headers: { 'content-type': 'application/json', 'x-api-key': key },
    ...(body ? { body: JSON.stringify(body) } : {}),
    signal: AbortSignal.timeout(120_000),
  }).catch((e) => fail(`${method} ${path}: ${e.cause?.message ?? e.message}`));
  const answer = await res.json().catch(() => ({}));
  if (!res.ok) fail(`${method} ${path} answered ${res.status}: ${JSON.stringify(answer.error ?? answer)}`);
  return answer;
}

function address(publicKey) {
  const lower = bytesToHex(keccak_256(publicKey.toBytes(false).subarray(1)).subarray(12));
  const digest = bytesToHex(keccak_256(new TextEncoder().encode(lower)));
  return `0x${[...lower].map((c, i) => (Number.parseInt(digest[i], 16) >= 8 ? c.toUpperCase() : c)).join('')}`;
}

const userId = process.env.TEST_API_USER || `test-api-${bytesToHex(randomBytes(6))}`;
const started = Date.now();
// an account id as argument: sign with that existing account instead of making one
const existing = process.argv[2];
const account = existing
  ? await call('GET', `/api/v1/accounts/${encodeURIComponent(existing)}`)
  : await call('POST', '/api/v1/accounts', { userId });
if (account.status !== 'active' || !account.publicKey) fail(`the account is ${account.status}`);
console.log(
  `account  ${account.accountId} (user ${account.userId}, ${account.threshold}-of-${account.parties.length}${existing ? ', existing' : ''})`,
);
const hash = `0x${bytesToHex(randomBytes(32))}`;
const signed = await call('POST', `/api/v1/accounts/${account.accountId}/sign`, { messageHash: hash });
const { r, s, recoveryId } = signed.signature;
const compact = hexToBytes(r.slice(2) + s.slice(2));
const publicKey = hexToBytes(account.publicKey.slice(2));
if (!secp256k1.verify(compact, hexToBytes(hash.slice(2)), publicKey, { prehash: false }))
  fail('the signature does not verify under the account public key');
const recovered = secp256k1.Signature.fromBytes(compact, 'compact')
  .addRecoveryBit(recoveryId)
  .recoverPublicKey(hexToBytes(hash.slice(2)));
if (address(recovered) !== account.address)
  fail(`the recovered address ${address(recovered)} is not ${account.address}`);
console.log(`hash     ${hash}`);
console.log(`sig      ${signed.signatureHex}`);
console.log(`verified: the signature recovers ${account.address} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
console.log(`address  ${account.address}`);
