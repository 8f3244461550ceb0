import { generateKeyPair } from '@libp2p/crypto/keys';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { equalBytes } from '../../protocols/common/bytes.js';
import { Writer } from '../../protocols/common/codec.js';
import { DecodeError } from '../../protocols/common/errors.js';
import { ControlError } from '../../protocols/control/errors.js';
import {
  ed25519PublicKeyFromPeerId,
  peerIdFromEd25519PublicKey,
  peerIdFromSecretKey,
  signAs,
  signingDigest,
  verifyAs,
} from '../../protocols/control/peer-key.js';
import {
  type AcceptOptions,
  acceptRecord,
  decodeRecord,
  encodeRecord,
  KIND_CODES,
  recordProblem,
  type SessionRecord,
  signedRecords,
} from '../../protocols/control/record.js';
import { ROLE_CODES } from '../../protocols/control/roles.js';
import { utf8Decode, utf8Encode } from '../../protocols/control/wire.js';
import { controlCode, isDecode } from '../helpers/control-errors.js';
import { fuzzDecoder } from '../helpers/fuzz.js';
import { seededRng } from '../helpers/rng.js';

const rng = seededRng('session-record');
const coordKey = rng(32);
const coordId = peerIdFromSecretKey(coordKey);
const partyKeys = [rng(32), rng(32), rng(32)];
const partyIds = partyKeys.map(peerIdFromSecretKey);
const NOW = 1_700_000_000_000;

function keygenRecord(over: Partial<SessionRecord> = {}): SessionRecord {
  return {
    sessionId: rng(32),
    kind: 'keygen',
    protocol: 'dkls23',
    keyId: Uint8Array.from([1, 2, 3]),
    threshold: 2,
    parties: partyIds.map((peerId, k) => ({
      peerId,
      index: k + 1,
      addrs: [`/ip4/10.0.0.${k + 1}/tcp/4000`, '/dns4/bücher.example/tcp/1/p2p-circuit'],
    })),
    expiresAt: NOW + 60_000,
    ...over,
  };
}

/** A 2-of-3 signing by the key's parties 2 and 3, named by their key-share indices. */
function signRecordOf(over: Partial<SessionRecord> = {}): SessionRecord {
  return keygenRecord({
    kind: 'sign',
    messageHash: rng(32),
    parties: keygenRecord().parties.slice(1),
    ...over,
  });
}

function opts(over: Partial<AcceptOptions> = {}): AcceptOptions {
  return { coordinatorPeerId: coordId, selfPeerId: partyIds[1]!, now: NOW, ...over };
}

/** An unvalidated encoder of the record format, to build bytes the real encoder refuses to write. */
function rawRecord(
  r: SessionRecord,
  o: {
    type?: number;
    version?: number;
    kindCode?: number;
    n?: number;
    roleCode?: number;
    signFlags?: number;
    pathLength?: number;
  } = {},
) {
  const version = o.version ?? 4;
  const w = new Writer()
    .u8(o.type ?? 0x10)
    .u8(version)
    .bytes(r.sessionId)
    .u8(o.kindCode ?? KIND_CODES[r.kind] ?? 0xff)
    .varBytes(utf8Encode(r.protocol))
    .varBytes(r.keyId)
    .u8(r.threshold)
    .u32(Math.floor(r.expiresAt / 2 ** 32))
    .u32(r.expiresAt >>> 0)
    .u8(o.n ?? r.parties.length);
  for (const p of r.parties) {
    w.u8(p.index);
    if (version >= 3) w.u8(o.roleCode ?? (p.role ? ROLE_CODES[p.role] : 0));
    w.varBytes(p.peerId).u8(p.addrs.length);
    for (const a of p.addrs) w.varBytes(utf8Encode(a));
  }
  if (r.messageHash) {
    w.bytes(r.messageHash);
    if (version >= 4) {
      const path = r.derivationPath;
      w.u8(o.signFlags ?? (r.presignature ? 1 : 0) | (path ? 2 : 0));
      if (r.presignature) w.bytes(r.presignature);
      if (path) {
        w.u8(o.pathLength ?? path.length);
        for (const step of path) w.u32(step);
      }
    }
  }
  return w.finish();
}

test('peer id ⇄ Ed25519 public key, strictly', () => {
  const pub = ed25519PublicKeyFromPeerId(coordId);
  assert.is(pub.length, 32);
  assert.ok(equalBytes(peerIdFromEd25519PublicKey(pub), coordId));
  assert.throws(() => ed25519PublicKeyFromPeerId(coordId.subarray(0, 37)), isDecode);
  assert.throws(() => ed25519PublicKeyFromPeerId(Uint8Array.of(...coordId, 0)), isDecode);
  for (let i = 0; i < 6; i++) {
    const bad = coordId.slice();
    bad[i]! ^= 1;
    assert.throws(() => ed25519PublicKeyFromPeerId(bad), isDecode, `prefix byte ${i}`);
  }
  // y = 2 is not on the curve
  const offCurve = Uint8Array.of(0, 0x24, 8, 1, 0x12, 0x20, 2, ...new Uint8Array(31));
  assert.throws(() => ed25519PublicKeyFromPeerId(offCurve), isDecode);
  assert.is(
    controlCode(() => peerIdFromEd25519PublicKey(new Uint8Array(33))),
    'INVALID_ARGUMENT',
  );
  assert.is(
    controlCode(() => signAs('record', new Uint8Array(1), new Uint8Array(64))),
    'INVALID_ARGUMENT',
  );
  assert.is(
    controlCode(() => verifyAs('record', new Uint8Array(1), new Uint8Array(64), pub)),
    'BAD_PEER_ID',
  );
});

test('interop with @libp2p/crypto keys and @libp2p/peer-id', async () => {
  const key = await generateKeyPair('Ed25519');
  const peerId = peerIdFromPrivateKey(key).toMultihash().bytes;
  assert.ok(equalBytes(ed25519PublicKeyFromPeerId(peerId), key.publicKey.raw));
  assert.ok(equalBytes(peerIdFromEd25519PublicKey(key.publicKey.raw), peerId));
  const seed = key.raw.subarray(0, 32);
  assert.ok(equalBytes(peerIdFromSecretKey(seed), peerId));
  // the node may sign with its libp2p key object over the digest…
  const record = keygenRecord({ parties: [{ peerId, index: 1, addrs: [] }, ...keygenRecord().parties.slice(1)] });
  const bytes = encodeRecord(record);
  const sig = await key.sign(signingDigest('record', bytes));
  assert.ok(verifyAs('record', bytes, sig, peerId));
  assert.equal(signedRecords.verify(bytes, sig, peerId), record);
  // …or with the seed; libp2p verifies our signatures
  const ours = signedRecords.sign(record, seed);
  assert.ok(await key.publicKey.verify(signingDigest('record', ours.bytes), ours.signature));
  assert.ok(equalBytes(ours.signature, sig), 'Ed25519 is deterministic');
  const secp = await generateKeyPair('secp256k1');
  assert.throws(() => ed25519PublicKeyFromPeerId(peerIdFromPrivateKey(secp).toMultihash().bytes), isDecode);
});

test('strict UTF-8 codec', () => {
  const enc = new TextEncoder();
  for (const s of ['', 'abc', '/dns4/bücher.example', '€', '𝄞 music', '日本語', '\u007f\u0080\u07ff\u0800\uffff']) {
    assert.ok(equalBytes(utf8Encode(s), enc.encode(s)), s);
    assert.is(utf8Decode(enc.encode(s)), s);
  }
  for (const bad of [
    [0x80],
    [0xc0, 0x80],
    [0xc1, 0xbf],
    [0xe0, 0x80, 0x80],
    [0xed, 0xa0, 0x80],
    [0xf0, 0x80, 0x80, 0x80],
    [0xf4, 0x90, 0x80, 0x80],
    [0xf5, 0x80, 0x80, 0x80],
    [0xe2, 0x82],
    [0xe2, 0x41, 0x41],
    [0xff],
  ]) {
    assert.throws(() => utf8Decode(Uint8Array.from(bad)), isDecode, bad.join(','));
  }
  assert.throws(() => utf8Encode('\ud800'));
  assert.throws(() => utf8Encode('a\udc00b'));
});

test('records round-trip (keygen and sign) and the raw encoder mirrors the format', () => {
  for (const r of [keygenRecord(), signRecordOf()]) {
    const bytes = encodeRecord(r);
    assert.equal(decodeRecord(bytes), r);
    assert.ok(equalBytes(rawRecord(r), bytes));
    const signed = signedRecords.sign(r, coordKey);
    assert.equal(signed.record, r);
    assert.equal(signedRecords.verify(signed.bytes, signed.signature, coordId), r);
  }
  const keygen = decodeRecord(encodeRecord(keygenRecord()));
  assert.not.ok('messageHash' in keygen);
});

test('every field at its bounds: the largest valid record encodes, each violation is refused', () => {
  const big = (len: number, fill: number) => new Uint8Array(len).fill(fill);
  const parties = Array.from({ length: 16 }, (_, k) => ({
    peerId: big(128, k),
    index: 16 - k,
    addrs: Array.from({ length: 8 }, (_, a) => `/${'é'.repeat(127)}${a}`),
  }));
  const max = signRecordOf({
    protocol: 'x'.repeat(32),
    keyId: big(64, 7),
    threshold: 16,
    parties,
    expiresAt: Number.MAX_SAFE_INTEGER,
  });
  assert.is(utf8Encode(parties[0]!.addrs[0]!).length, 256);
  assert.equal(decodeRecord(encodeRecord(max)), max);
  const min = keygenRecord({ keyId: big(1, 0), parties: keygenRecord().parties.slice(0, 2), expiresAt: 0 });
  assert.equal(
    decodeRecord(encodeRecord({ ...min, parties: min.parties.map((p) => ({ ...p, addrs: [] })) })).parties[0]!.addrs,
    [],
  );

  const base = keygenRecord();
  const ps = base.parties;
  const bad: [string, SessionRecord][] = [
    ['sessionId 31', { ...base, sessionId: big(31, 1) }],
    ['sessionId 33', { ...base, sessionId: big(33, 1) }],
    ['kind', { ...base, kind: 'refresh' as 'keygen' }],
    ['empty protocol', { ...base, protocol: '' }],
    ['protocol 33', { ...base, protocol: 'x'.repeat(33) }],
    ['protocol space', { ...base, protocol: 'dk ls' }],
    ['protocol non-ASCII', { ...base, protocol: 'dkls€' }],
    ['empty keyId', { ...base, keyId: new Uint8Array(0) }],
    ['keyId 65', { ...base, keyId: big(65, 1) }],
    ['threshold 1', { ...base, threshold: 1 }],
    ['threshold > N', { ...base, threshold: 4 }],
    ['threshold 2.5', { ...base, threshold: 2.5 }],
    ['1 party', { ...base, parties: ps.slice(0, 1).map((p) => ({ ...p, index: 1 })) }],
    ['17 parties', { ...max, parties: [...max.parties, { peerId: big(3, 1), index: 17, addrs: [] }] }],
    ['index 0', { ...base, parties: ps.map((p, k) => ({ ...p, index: k })) }],
    ['index N+1', { ...base, parties: ps.map((p, k) => ({ ...p, index: k + 2 })) }],
    ['duplicate index', { ...base, parties: ps.map((p, k) => ({ ...p, index: k === 2 ? 1 : k + 1 })) }],
    ['duplicate peer', { ...base, parties: ps.map((p, k) => ({ ...p, peerId: k === 2 ? ps[0]!.peerId : p.peerId })) }],
    [
      'empty peer id',
      { ...base, parties: ps.map((p, k) => ({ ...p, peerId: k === 0 ? new Uint8Array(0) : p.peerId })) },
    ],
    ['peer id 129', { ...base, parties: ps.map((p, k) => ({ ...p, peerId: k === 0 ? big(129, 0) : p.peerId })) }],
    ['9 addrs', { ...base, parties: ps.map((p) => ({ ...p, addrs: Array(9).fill('/a') })) }],
    ['addr 257', { ...base, parties: ps.map((p) => ({ ...p, addrs: [`/${'a'.repeat(256)}`] })) }],
    ['empty addr', { ...base, parties: ps.map((p) => ({ ...p, addrs: [''] })) }],
    ['lone surrogate addr', { ...base, parties: ps.map((p) => ({ ...p, addrs: ['/\ud800'] })) }],
    ['keygen with hash', { ...base, messageHash: big(32, 1) }],
    ['sign index 17', signRecordOf({ parties: signRecordOf().parties.map((p, k) => ({ ...p, index: 16 + k })) })],
    ['sign duplicate index', signRecordOf({ parties: signRecordOf().parties.map((p) => ({ ...p, index: 2 })) })],
    ['sign index 0', signRecordOf({ parties: signRecordOf().parties.map((p, k) => ({ ...p, index: k })) })],
    ['sign more signers than threshold', { ...base, kind: 'sign', messageHash: big(32, 1) }],
    ['sign without hash', { ...base, kind: 'sign' }],
    ['hash 31', { ...base, kind: 'sign', messageHash: big(31, 1) }],
    ['expiresAt negative', { ...base, expiresAt: -1 }],
    ['expiresAt unsafe', { ...base, expiresAt: 2 ** 53 }],
    ['expiresAt fraction', { ...base, expiresAt: 1.5 }],
  ];
  for (const [what, r] of bad) {
    assert.is(
      controlCode(() => encodeRecord(r)),
      'INVALID_ARGUMENT',
      what,
    );
    // the same violation written by hand is refused by the decoder (where the format can express it)
    let raw: Uint8Array | undefined;
    try {
      raw = rawRecord(r);
    } catch {
      raw = undefined;
    }
    const inexpressible = what === 'threshold 2.5' || what === 'expiresAt fraction';
    if (raw && !inexpressible) assert.throws(() => decodeRecord(raw), isDecode, what);
  }
});

test('versions 3 and 4 carry each party role; version 2 (no roles) still decodes, with no role', () => {
  const r = signRecordOf();
  const withRoles: SessionRecord = {
    ...r,
    parties: r.parties.map((p, k) => ({ ...p, role: k === 0 ? 'delegate' : 'persistent' })),
  };
  const bytes = encodeRecord(withRoles);
  assert.is(bytes[1], 4);
  assert.equal(decodeRecord(bytes), withRoles);
  assert.equal(decodeRecord(rawRecord(withRoles, { version: 3 })), withRoles, 'version 3 still decodes');
  assert.equal(decodeRecord(rawRecord(withRoles)), withRoles, 'the hand-written encoding matches');
  // a party without a role is written as role 0 and read back without one
  assert.equal(decodeRecord(encodeRecord(r)), r);
  // version 2 had no role byte: it decodes, and no party has a role
  const v2 = decodeRecord(rawRecord(withRoles, { version: 2 }));
  assert.equal(v2, r);
  assert.ok(v2.parties.every((p) => p.role === undefined));
  assert.is(
    controlCode(() => encodeRecord({ ...r, parties: r.parties.map((p) => ({ ...p, role: 'boss' as never })) })),
    'INVALID_ARGUMENT',
  );
});

test('decoder refuses bad headers, codes, counts, unsafe times and trailing bytes', () => {
  const r = signRecordOf();
  const valid = rawRecord(r);
  assert.throws(() => decodeRecord(rawRecord(r, { type: 0x13 })), isDecode);
  // version 1 numbered a signing's parties 1..t instead of by key-share index: refused, never misread
  assert.throws(() => decodeRecord(rawRecord(r, { version: 1 })), isDecode);
  assert.throws(() => decodeRecord(rawRecord(r, { version: 5 })), isDecode);
  assert.throws(() => decodeRecord(rawRecord(r, { roleCode: 4 })), isDecode, 'unknown role code');
  assert.throws(() => decodeRecord(rawRecord(r, { kindCode: 0 })), isDecode);
  assert.throws(() => decodeRecord(rawRecord(r, { kindCode: 3 })), isDecode);
  assert.throws(() => decodeRecord(rawRecord(r, { kindCode: 1 })), isDecode, 'keygen with trailing hash');
  assert.throws(() => decodeRecord(rawRecord(r, { n: 3 })), isDecode, 'count above the parties present');
  assert.throws(() => decodeRecord(rawRecord(r, { n: 17 })), isDecode);
  assert.throws(() => decodeRecord(Uint8Array.of(...valid, 0)), isDecode);
  assert.throws(() => decodeRecord(valid.subarray(0, valid.length - 1)), isDecode);
  const unsafe = valid.slice();
  const at = 2 + 32 + 1 + 2 + 6 + 2 + 3 + 1; // first byte of expiresAt
  unsafe[at + 1] = 0x20; // 2^53 and above
  assert.throws(() => decodeRecord(unsafe), isDecode);
  unsafe[at + 1] = 0x1f;
  assert.ok(decodeRecord(unsafe).expiresAt > 2 ** 52);
});

/** A presigning by the key's parties 2 and 3. */
function presignRecordOf(over: Partial<SessionRecord> = {}): SessionRecord {
  return keygenRecord({ kind: 'presign', parties: keygenRecord().parties.slice(1), ...over });
}

test('version 4: a presign record and a signing with a presignature and a derivation path round-trip', () => {
  const presign = presignRecordOf();
  const bytes = encodeRecord(presign);
  assert.is(bytes[1], 4);
  assert.is(bytes[34], 4, 'kind code 4');
  assert.equal(decodeRecord(bytes), presign);
  assert.ok(equalBytes(rawRecord(presign), bytes), 'no trailer');
  assert.not.ok('messageHash' in decodeRecord(bytes));
  const online = signRecordOf({ presignature: presign.sessionId, derivationPath: [0, 5, 2 ** 31 - 1] });
  const onlineBytes = encodeRecord(online);
  assert.equal(decodeRecord(onlineBytes), online);
  assert.ok(equalBytes(rawRecord(online), onlineBytes));
  for (const over of [{ presignature: rng(32) }, { derivationPath: [7] }, {}]) {
    const r = signRecordOf(over);
    assert.equal(decodeRecord(encodeRecord(r)), r);
    assert.ok(equalBytes(rawRecord(r), encodeRecord(r)));
  }
  // a signing without either carries the flags byte 0 right after the hash
  const plain = encodeRecord(signRecordOf());
  assert.is(plain[plain.length - 1], 0);
  const deepest = signRecordOf({ derivationPath: [1, 2, 3, 4, 5, 6, 7, 8] });
  assert.equal(decodeRecord(encodeRecord(deepest)), deepest);
  // a presigning is signed and accepted like any record
  const signed = signedRecords.sign(presign, coordKey);
  assert.is(acceptRecord(signed, opts({ selfPeerId: partyIds[2]! })).selfIndex, 3);
});

test('version 4 rules: presign, presignature and derivation path, each refused on encode with its reason', () => {
  const ps = keygenRecord().parties;
  const cases: [string, SessionRecord, RegExp][] = [
    ['presign naming more than threshold', presignRecordOf({ parties: ps }), /a presigning names exactly/],
    ['presign with a hash', presignRecordOf({ messageHash: rng(32) }), /messageHash \(32 bytes\) must be present iff/],
    ['presign duplicate index', presignRecordOf({ parties: ps.slice(1).map((p) => ({ ...p, index: 3 })) }), /twice/],
    ['presign index 17', presignRecordOf({ parties: ps.slice(1).map((p, k) => ({ ...p, index: 16 + k })) }), /17/],
    ['presign with a presignature', presignRecordOf({ presignature: rng(32) }), /presignature belongs to sign/],
    ['presign with a path', presignRecordOf({ derivationPath: [1] }), /derivationPath belongs to sign/],
    ['keygen with a presignature', keygenRecord({ presignature: rng(32) }), /presignature belongs to sign/],
    ['keygen with a path', keygenRecord({ derivationPath: [1] }), /derivationPath belongs to sign/],
    ['presignature 31', signRecordOf({ presignature: rng(31) }), /presignature must be 32 bytes/],
    ['presignature 33', signRecordOf({ presignature: rng(33) }), /presignature must be 32 bytes/],
    ['empty path', signRecordOf({ derivationPath: [] }), /derivationPath must have 1\.\.8 steps/],
    ['path of 9', signRecordOf({ derivationPath: [1, 2, 3, 4, 5, 6, 7, 8, 9] }), /1\.\.8 steps/],
    ['hardened step', signRecordOf({ derivationPath: [0, 2 ** 31] }), /derivation step 2147483648 out of/],
    ['negative step', signRecordOf({ derivationPath: [-1] }), /derivation step -1 out of/],
    ['fractional step', signRecordOf({ derivationPath: [1.5] }), /derivation step 1\.5 out of/],
  ];
  for (const [what, r, why] of cases) {
    assert.match(recordProblem(r) ?? '', why, what);
    assert.is(
      controlCode(() => encodeRecord(r)),
      'INVALID_ARGUMENT',
      what,
    );
  }
});

test('version 4 decoding: unknown flag bits, bad path lengths and steps, and presign in version 3 are refused', () => {
  const online = signRecordOf({ presignature: rng(32), derivationPath: [3] });
  const why = (re: RegExp) => (e: unknown) => isDecode(e) && re.test((e as Error).message);
  for (const flags of [4, 8, 0x80, 0xff]) {
    assert.throws(() => decodeRecord(rawRecord(signRecordOf(), { signFlags: flags })), why(/unknown sign flags/));
  }
  assert.throws(() => decodeRecord(rawRecord(online, { pathLength: 0 })), why(/derivation depth 0/));
  assert.throws(() => decodeRecord(rawRecord(online, { pathLength: 9 })), why(/derivation depth 9/));
  assert.throws(() => decodeRecord(rawRecord(online, { pathLength: 2 })), isDecode, 'a step missing');
  const hardened = rawRecord(signRecordOf({ derivationPath: [3] }));
  hardened[hardened.length - 4] = 0x80;
  assert.throws(() => decodeRecord(hardened), why(/derivation step 2147483651 out of/));
  // flags announcing a presignature the bytes do not carry
  assert.throws(() => decodeRecord(rawRecord(signRecordOf(), { signFlags: 1 })), isDecode);
  // presign (code 4) exists from version 4 on
  assert.throws(() => decodeRecord(rawRecord(presignRecordOf(), { version: 3 })), why(/kind presign needs version 4/));
  assert.throws(() => decodeRecord(rawRecord(presignRecordOf(), { version: 2 })), why(/kind presign needs version 4/));
  // a presign record with a hash behind it is trailing garbage
  assert.throws(() => decodeRecord(Uint8Array.of(...rawRecord(presignRecordOf()), ...rng(32))), isDecode);
  // version 3: a signing's trailer is the hash alone
  const v3 = rawRecord(signRecordOf(), { version: 3 });
  const plain = signRecordOf();
  assert.equal(decodeRecord(rawRecord(plain, { version: 3 })), plain);
  assert.throws(() => decodeRecord(Uint8Array.of(...v3, 0)), isDecode, 'a v3 signing has no flags byte');
});

test('acceptRecord: a valid record is accepted with this party index', () => {
  const signed = signedRecords.sign(keygenRecord(), coordKey);
  const out = acceptRecord(signed, opts());
  assert.is(out.selfIndex, 2);
  assert.equal(out.record, signed.record);
  // a signing names the party by the key-share index it holds (3), not by its place among the signers (2)
  const sign = signedRecords.sign(signRecordOf(), coordKey);
  assert.is(acceptRecord(sign, opts({ selfPeerId: partyIds[2]! })).selfIndex, 3);
});

test("acceptRecord: forged, not named, expired (replay is the node log's to refuse)", () => {
  const rec = keygenRecord();
  const signed = signedRecords.sign(rec, coordKey);
  const forged = signedRecords.sign(rec, partyKeys[0]!);
  assert.is(
    controlCode(() => acceptRecord(forged, opts())),
    'BAD_SIGNATURE',
  );
  assert.is(
    controlCode(() => acceptRecord(signed, opts({ coordinatorPeerId: partyIds[0]! }))),
    'BAD_SIGNATURE',
  );
  assert.is(
    controlCode(() => acceptRecord(signed, opts({ selfPeerId: coordId }))),
    'NOT_NAMED',
  );
  assert.is(acceptRecord(signed, opts({ now: rec.expiresAt - 1 })).selfIndex, 2);
  assert.is(
    controlCode(() => acceptRecord(signed, opts({ now: rec.expiresAt }))),
    'EXPIRED',
  );
  assert.is(
    controlCode(() => acceptRecord(signed, opts({ now: rec.expiresAt + 1 }))),
    'EXPIRED',
  );
  assert.is(
    controlCode(() => acceptRecord(signed, opts({ now: Number.NaN }))),
    'INVALID_ARGUMENT',
  );
  assert.is(
    controlCode(() => acceptRecord(signed, opts({ coordinatorPeerId: new Uint8Array(38) }))),
    'BAD_PEER_ID',
  );
});

test('acceptRecord trusts only the signed bytes, never a record passed alongside', () => {
  const signed = signedRecords.sign(keygenRecord(), coordKey);
  const lie = { ...signed, record: keygenRecord({ expiresAt: Number.MAX_SAFE_INTEGER }) };
  assert.is(
    controlCode(() => acceptRecord(lie, opts({ now: signed.record.expiresAt }))),
    'EXPIRED',
  );
});

test('a tampered byte anywhere gives BAD_SIGNATURE; a signed malformed record gives BAD_RECORD', () => {
  const signed = signedRecords.sign(signRecordOf(), coordKey);
  for (let i = 0; i < signed.bytes.length; i++) {
    for (const bit of [1 << (i % 8)]) {
      const bytes = signed.bytes.slice();
      bytes[i]! ^= bit;
      assert.is(
        controlCode(() => acceptRecord({ bytes, signature: signed.signature }, opts())),
        'BAD_SIGNATURE',
      );
    }
  }
  for (let i = 0; i < 64; i++) {
    const signature = signed.signature.slice();
    signature[i]! ^= 0x04;
    assert.is(
      controlCode(() => acceptRecord({ bytes: signed.bytes, signature }, opts())),
      'BAD_SIGNATURE',
    );
  }
  assert.is(
    controlCode(() => acceptRecord({ bytes: signed.bytes, signature: new Uint8Array(0) }, opts())),
    'BAD_SIGNATURE',
  );
  const bytes = Uint8Array.of(...signed.bytes, 0);
  const signature = signAs('record', bytes, coordKey);
  assert.is(
    controlCode(() => acceptRecord({ bytes, signature }, opts())),
    'BAD_RECORD',
  );
});

test('a signature of another message type is not a record signature', () => {
  const bytes = encodeRecord(keygenRecord());
  for (const domain of ['result', 'decision'] as const) {
    const signature = signAs(domain, bytes, coordKey);
    assert.is(
      controlCode(() => acceptRecord({ bytes, signature }, opts())),
      'BAD_SIGNATURE',
      domain,
    );
  }
});

test('fuzz: decodeRecord throws only DecodeError (10,000 mutations each of a keygen, sign, presign, online record)', () => {
  for (const [label, r] of [
    ['keygen', keygenRecord()],
    ['sign', signRecordOf()],
    ['presign', presignRecordOf()],
    ['online', signRecordOf({ presignature: rng(32), derivationPath: [0, 5] })],
  ] as const) {
    const valid = encodeRecord(r);
    const stats = fuzzDecoder(valid, decodeRecord, seededRng(`fuzz-record-${label}`), 10_000);
    assert.is(stats.inputs, 10_000);
    assert.ok(stats.rejected > 5_000, `${label}: ${stats.rejected} rejected`);
    const sigStats = fuzzDecoder(
      valid,
      (b) => {
        try {
          return acceptRecord(
            { bytes: b, signature: signAs('record', b, coordKey) },
            opts({ selfPeerId: partyIds[2]! }),
          );
        } catch (e) {
          if (e instanceof ControlError) throw new DecodeError(e.code);
          throw e;
        }
      },
      seededRng(`fuzz-accept-${label}`),
      300,
    );
    assert.ok(sigStats.rejected > 0);
  }
});

test.run();
