/**
 * The reshare record: its terms and each party's old and new index survive encoding, and every rule of a reshare
 * record is enforced on encode and decode (a peer's bytes are decoded strictly).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DecodeError } from '../../protocols/common/errors.js';
import { ControlError } from '../../protocols/control/errors.js';
import { peerIdFromSecretKey } from '../../protocols/control/peer-key.js';
import { decodeRecord, encodeRecord, recordProblem, type SessionRecord } from '../../protocols/control/record.js';
import { fuzzDecoder } from '../helpers/fuzz.js';
import { seededRng } from '../helpers/rng.js';

const rng = seededRng('reshare-record');
const ids = [rng(32), rng(32), rng(32), rng(32)].map(peerIdFromSecretKey);
const PUBLIC_KEY = Uint8Array.from([2, ...rng(32)]);

/** 2-of-3 (parties 1..3) to 2-of-3 with party 3 replaced by a newcomer: 3 deals and leaves, 4 joins. */
function reshareRecord(over: Partial<SessionRecord> = {}): SessionRecord {
  return {
    sessionId: rng(32),
    kind: 'reshare',
    protocol: 'dkls23',
    keyId: Uint8Array.from([9, 9]),
    threshold: 2,
    parties: [
      { peerId: ids[0]!, index: 1, addrs: ['/ip4/10.0.0.1/tcp/1'], oldIndex: 1, newIndex: 1 },
      { peerId: ids[1]!, index: 2, addrs: [], oldIndex: 2, newIndex: 2 },
      { peerId: ids[2]!, index: 3, addrs: [], oldIndex: 3 },
      { peerId: ids[3]!, index: 4, addrs: [], newIndex: 3 },
    ],
    expiresAt: 1_700_000_060_000,
    reshare: { fromKeyId: Uint8Array.from([1, 2, 3]), oldThreshold: 2, publicKey: PUBLIC_KEY },
    ...over,
  };
}

test('a reshare record round-trips with its terms and every party’s old and new index', () => {
  const r = reshareRecord();
  const back = decodeRecord(encodeRecord(r));
  assert.equal(back, r);
  assert.is(back.parties[2]?.newIndex, undefined, 'the leaving party receives nothing');
  assert.is(back.parties[3]?.oldIndex, undefined, 'the newcomer deals nothing');
});

test('version 4: a reshare carries the key chain code behind a flags byte; version 3 had no flags byte', () => {
  const chainCode = rng(32);
  const r = reshareRecord({ reshare: { ...reshareRecord().reshare!, chainCode } });
  const bytes = encodeRecord(r);
  assert.equal(decodeRecord(bytes), r);
  const plain = encodeRecord(reshareRecord());
  assert.is(bytes.length, plain.length + 32);
  // the flags byte sits before the parties' old/new indices (2 bytes each of 4 parties)
  assert.is(plain[plain.length - 9], 0);
  assert.is(bytes[bytes.length - 9 - 32], 1);
  // version 3: the same record without the flags byte decodes, without a chain code
  const v3 = Uint8Array.of(...plain.subarray(0, plain.length - 9), ...plain.subarray(plain.length - 8));
  v3[1] = 3;
  const back = decodeRecord(v3);
  assert.equal(back, { ...reshareRecord(), sessionId: back.sessionId, reshare: back.reshare });
  assert.is(back.reshare?.chainCode, undefined);
  // an unknown flag bit, and a chain code of the wrong length
  for (const flag of [2, 0x80]) {
    const bad = plain.slice();
    bad[bad.length - 9] = flag;
    assert.throws(
      () => decodeRecord(bad),
      (e: unknown) => e instanceof DecodeError && /unknown reshare flags/.test(e.message),
    );
  }
  for (const len of [31, 33]) {
    const bad = reshareRecord({ reshare: { ...reshareRecord().reshare!, chainCode: rng(len) } });
    assert.match(recordProblem(bad) ?? '', /chainCode must be 32 bytes/);
    assert.throws(
      () => encodeRecord(bad),
      (e: unknown) => e instanceof ControlError && e.code === 'INVALID_ARGUMENT',
    );
  }
  // a reshare carries no presignature or derivation path
  assert.match(recordProblem(reshareRecord({ presignature: rng(32) })) ?? '', /presignature belongs to sign/);
  assert.match(recordProblem(reshareRecord({ derivationPath: [1] })) ?? '', /derivationPath belongs to sign/);
});

test('every rule of a reshare record: refused on encode (INVALID_ARGUMENT) and on decode (DecodeError)', () => {
  const base = reshareRecord();
  const parties = base.parties;
  const terms = base.reshare!;
  const cases: [string, SessionRecord, RegExp][] = [
    ['no terms', { ...base, reshare: undefined } as SessionRecord, /reshare terms must be present/],
    ['terms on a keygen', { ...base, kind: 'keygen' }, /oldIndex and newIndex belong to reshare/],
    ['same key id', { ...base, reshare: { ...terms, fromKeyId: base.keyId } }, /keyId must differ/],
    ['empty fromKeyId', { ...base, reshare: { ...terms, fromKeyId: new Uint8Array(0) } }, /fromKeyId must be/],
    ['bad point prefix', { ...base, reshare: { ...terms, publicKey: new Uint8Array(33).fill(4) } }, /compressed/],
    ['short key', { ...base, reshare: { ...terms, publicKey: PUBLIC_KEY.slice(0, 32) } }, /compressed/],
    [
      'a party that neither deals nor receives',
      { ...base, parties: parties.map((p, k) => (k === 3 ? { peerId: p.peerId, index: 4, addrs: [] } : p)) },
      /neither deals nor receives/,
    ],
    [
      'an old index twice',
      { ...base, parties: parties.map((p, k) => (k === 1 ? { ...p, oldIndex: 1 } : p)) },
      /old index appears twice/,
    ],
    [
      'new indices not 1..N′',
      { ...base, parties: parties.map((p, k) => (k === 3 ? { ...p, newIndex: 5 } : p)) },
      /new indices must be exactly/,
    ],
    ['too few dealers', { ...base, reshare: { ...terms, oldThreshold: 4 } }, /3 dealers cannot reshare/],
    ['threshold above the receivers', { ...base, threshold: 4 }, /threshold must be 2\.\.3/],
    [
      'session indices not 1..M',
      { ...base, parties: parties.map((p, k) => (k === 3 ? { ...p, index: 7 } : p)) },
      /party index 7 out of 1\.\.4/,
    ],
  ];
  for (const [what, record, why] of cases) {
    assert.match(recordProblem(record) ?? '', why, what);
    assert.throws(
      () => encodeRecord(record),
      (e: unknown) => e instanceof ControlError && e.code === 'INVALID_ARGUMENT',
    );
  }
  // decode: write a valid record, then break one byte of the reshare trailer (the last party's new index: 0)
  const bytes = encodeRecord(base);
  const broken = bytes.slice();
  broken[broken.length - 1] = 0;
  assert.throws(
    () => decodeRecord(broken),
    (e: unknown) => e instanceof DecodeError && /neither deals/.test(e.message),
  );
  assert.throws(
    () => decodeRecord(bytes.slice(0, -1)),
    (e: unknown) => e instanceof DecodeError,
  );
});

test('reshare record decoding survives fuzzing (with and without a chain code)', () => {
  const stats = fuzzDecoder(encodeRecord(reshareRecord()), decodeRecord, seededRng('fuzz-reshare-record'));
  assert.ok(stats.rejected > 0 && stats.inputs === 10_000);
  const withChain = reshareRecord({ reshare: { ...reshareRecord().reshare!, chainCode: rng(32) } });
  const chained = fuzzDecoder(encodeRecord(withChain), decodeRecord, seededRng('fuzz-reshare-chain'));
  assert.ok(chained.rejected > 0 && chained.inputs === 10_000);
});

test.run();
