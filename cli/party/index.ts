/**
 * `mpc party …`: thin commands over src/party. Each parses its flags, opens the store, calls one function
 * and prints; errors print one clear line and exit non-zero.
 */
import { peerIdFromString } from '@libp2p/peer-id';
import type { Argv } from 'yargs';
import { formatStatus, partyStatus } from '../../src/party/admin.js';
import { createIdentity } from '../../src/party/identity.js';
import { openPartyStore } from '../../src/party/open-store.js';
import { isStoreError } from '../../src/store/errors.js';
import { type StoreFlags, storeOptions } from './options.js';
import { startCommand } from './start.js';

/** Opens the store, runs `f`, closes; StoreErrors become one line on stderr and exit code 1. */
async function withStore(
  argv: StoreFlags,
  f: (store: Awaited<ReturnType<typeof openPartyStore>>['store']) => Promise<void>,
) {
  try {
    const { store, notes } = await openPartyStore({
      dataDir: argv['data-dir'],
      masterKeyFile: argv['master-key-file'],
    });
    for (const n of notes) console.error(`note: ${n}`);
    try {
      await f(store);
    } finally {
      await store.close();
    }
  } catch (e) {
    if (isStoreError(e)) {
      console.error(`mpc party: ${e.message}`);
      process.exitCode = 1;
      return;
    }
    throw e;
  }
}

/** The binary peer id of `text`, or undefined after printing an error. */
function parsePeer(text: string, command: string): Uint8Array | undefined {
  try {
    return peerIdFromString(text).toMultihash().bytes;
  } catch {
    console.error(`mpc party ${command}: '${text}' is not a peer id`);
    process.exitCode = 1;
    return undefined;
  }
}

/** Registers the `party` command group. */
export function partyCommands(y: Argv): Argv {
  return y.command('party', 'Run and inspect a party node', (p) =>
    startCommand(p)
      .command(
        'init',
        'Create the node identity in a new data directory and print its peer id',
        (c) => storeOptions(c),
        (argv) =>
          withStore(argv, async (store) => {
            const { peerId } = await createIdentity(store);
            console.log(peerId);
          }),
      )
      .command(
        'status',
        'List the keys held (pending or committed), pair states and banned peers',
        (c) => storeOptions(c).option('json', { type: 'boolean', default: false, describe: 'Print JSON' }),
        (argv) =>
          withStore(argv, async (store) => {
            const s = await partyStatus(store);
            console.log(argv.json ? JSON.stringify(s, null, 2) : formatStatus(s));
          }),
      )
      .command(
        'pair',
        'Discard the pair state with a peer (e.g. after a burn) so that the next session with it runs a fresh pair setup; run it while the node is stopped',
        (c) => storeOptions(c).option('peer', { type: 'string', demandOption: true, describe: 'The peer id' }),
        (argv) =>
          withStore(argv, async (store) => {
            const peer = parsePeer(argv.peer, 'pair');
            if (!peer) return;
            const had = await store.discardPairState(peer);
            console.log(
              had
                ? `discarded the pair state with ${argv.peer}; the next session with it runs a fresh pair setup`
                : `no pair state with ${argv.peer}; the first session with it runs pair setup`,
            );
          }),
      )
      .command(
        'unban',
        'Lift the ban of a peer node (bans follow failed protocol checks; only an operator lifts them)',
        (c) => storeOptions(c).option('peer', { type: 'string', demandOption: true, describe: 'The peer id to unban' }),
        (argv) =>
          withStore(argv, async (store) => {
            const peer = parsePeer(argv.peer, 'unban');
            if (!peer) return;
            const lifted = await store.unban(peer);
            console.log(lifted ? `unbanned ${argv.peer}` : `${argv.peer} was not banned`);
          }),
      )
      .demandCommand(1, 'Specify a party command; see mpc party --help.'),
  );
}
