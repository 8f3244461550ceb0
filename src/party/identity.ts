/**
 * The node's libp2p identity: an Ed25519 key made once by `mpc party init` and kept sealed in the store
 * (never in plaintext on disk). Its peer id is how the coordinator and the other parties know this node.
 */
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys';
import type { PrivateKey } from '@libp2p/interface';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { StoreError } from '../store/errors.js';
import type { ShareStore } from '../store/share-store.js';

/** Creates and stores a new identity; refuses (StoreError ALREADY_EXISTS) when the node already has one. */
export async function createIdentity(store: ShareStore): Promise<{ key: PrivateKey; peerId: string }> {
  if ((await store.getIdentity()) !== undefined) {
    throw new StoreError('ALREADY_EXISTS', 'this data directory already has an identity (it was initialised before)');
  }
  const key = await generateKeyPair('Ed25519');
  await store.putIdentity(privateKeyToProtobuf(key));
  return { key, peerId: peerIdFromPrivateKey(key).toString() };
}

/** Loads the stored identity; StoreError NOT_FOUND when `mpc party init` has not been run. */
export async function loadIdentity(store: ShareStore): Promise<{ key: PrivateKey; peerId: string }> {
  const bytes = await store.getIdentity();
  if (bytes === undefined) {
    throw new StoreError('NOT_FOUND', 'no identity in this data directory; run `mpc party init --data-dir DIR` first');
  }
  const key = privateKeyFromProtobuf(bytes);
  return { key, peerId: peerIdFromPrivateKey(key).toString() };
}
