/**
 * A stand-in for `mpc coordinator identity --out FILE`, for rendering the manifests in CI without building the
 * CLI: writes a fresh Ed25519 libp2p key (protobuf) to FILE, refusing to overwrite, and prints its peer id.
 * Only the peer id's form matters to the manifests; the real command is what an installation uses.
 * Usage: node scripts/k8s/stand-in-identity.mjs coordinator identity --out FILE
 */
import { writeFileSync } from 'node:fs';
import { generateKeyPair, privateKeyToProtobuf } from '@libp2p/crypto/keys';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';

const args = process.argv.slice(2);
const at = args.indexOf('--out');
const out = at >= 0 ? args[at + 1] : undefined;
if (args[0] !== 'coordinator' || args[1] !== 'identity' || out === undefined) {
  console.error('usage: stand-in-identity.mjs coordinator identity --out FILE');
  process.exit(2);
}
const key = await generateKeyPair('Ed25519');
writeFileSync(out, privateKeyToProtobuf(key), { flag: 'wx', mode: 0o600 });
console.log(`coordinator peer id: ${peerIdFromPrivateKey(key).toString()}`);
