/**
 * Copies one entry out of a zip archive (stored or deflated), so that k8s/ci/get-kubectl.sh needs no unzip.
 * Usage: node scripts/k8s/zip-entry.mjs ARCHIVE ENTRY OUTFILE
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { crc32, inflateRawSync } from 'node:zlib';

const [archive, entry, outFile] = process.argv.slice(2);
if (outFile === undefined) {
  console.error('usage: zip-entry.mjs ARCHIVE ENTRY OUTFILE');
  process.exit(2);
}
const zip = readFileSync(archive);
// The end-of-central-directory record: signature 0x06054b50 within the last 64 KiB + 22 bytes.
let eocd = -1;
for (let i = zip.length - 22; i >= Math.max(0, zip.length - 65_557); i--) {
  if (zip.readUInt32LE(i) === 0x06054b50) {
    eocd = i;
    break;
  }
}
if (eocd < 0) throw new Error(`${archive}: not a zip archive`);
const count = zip.readUInt16LE(eocd + 10);
let at = zip.readUInt32LE(eocd + 16);
for (let n = 0; n < count; n++) {
  if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error(`${archive}: bad central directory`);
  // central directory header: method @10, crc32 @16, compressed size @20, size @24, name length @28,
  // extra length @30, comment length @32, local header offset @42, name @46
  const method = zip.readUInt16LE(at + 10);
  const crc = zip.readUInt32LE(at + 16);
  const compressed = zip.readUInt32LE(at + 20);
  const size = zip.readUInt32LE(at + 24);
  const nameLen = zip.readUInt16LE(at + 28);
  const extraLen = zip.readUInt16LE(at + 30);
  const commentLen = zip.readUInt16LE(at + 32);
  const local = zip.readUInt32LE(at + 42);
  const name = zip.toString('utf8', at + 46, at + 46 + nameLen);
  if (name === entry) {
    // local header: name length @26, extra length @28, data after 30 + both
    const dataAt = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const raw = zip.subarray(dataAt, dataAt + compressed);
    const data = method === 0 ? raw : method === 8 ? inflateRawSync(raw) : undefined;
    if (data === undefined) throw new Error(`${entry}: unsupported compression method ${method}`);
    if (data.length !== size || crc32(data) !== crc) throw new Error(`${entry}: corrupt (size or CRC-32 differs)`);
    writeFileSync(outFile, data, { mode: 0o755 });
    process.exit(0);
  }
  at += 46 + nameLen + extraLen + commentLen;
}
console.error(`${archive}: no entry ${entry}`);
process.exit(1);
