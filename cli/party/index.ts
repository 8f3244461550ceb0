/**
 * `mpc party …`: thin commands over src/party. Each parses its flags, opens the store, calls one function
 * and prints; what fails is thrown to the one top-level handler (cli/failure.ts).
 */
import { peerIdFromString } from '@libp2p/peer-id';
import type { Argv } from 'yargs';
import { fromHex } from '../../protocols/common/bytes.js';
import { formatStatus, partyStatus, unfreezeAnswer } from '../../src/party/admin.js';
import { adminRequest } from '../../src/party/admin-socket.js';
import { createIdentity } from '../../src/party/identity.js';
import { openPartyStore } from '../../src/party/open-store.js';
import { CommandError, UsageError } from '../failure.js';
import { backupCommands } from './backup.js';
import { type StoreFlags, storeOptions } from './options.js';
import { startCommand } from './start.js';

/** Opens the store, runs `f`, closes. */
async function withStore(
  argv: StoreFlags,
  f: (store: Awaited<ReturnType<typeof openPartyStore>>['store']) => Promise<void>,
) {
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
}

/** `--peer` as the binary peer id; a text that is not one is a usage error. */
function parsePeer(text: string): Uint8Array {
  try {
    return peerIdFromString(text).toMultihash().bytes;
  } catch {
    throw new UsageError(`--peer: '${text}' is not a peer id (mpc party status lists the peers)`);
  }
}

/** Registers the `party` command group. */
export function partyCommands(y: Argv): Argv {
  return y.command('party', 'Run and inspect a party node', (p) =>
    backupCommands(startCommand(p))
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
        'List the keys held (pending or committed), pair states, banned peers and frozen keys',
        (c) => storeOptions(c).option('json', { type: 'boolean', default: false, describe: 'Print JSON' }),
        (argv) =>
          withStore(argv, async (store) => {
            const s = await partyStatus(store);
            console.log(argv.json ? JSON.stringify(s, null, 2) : formatStatus(s));
          }),
      )
      .command(
        'pair',
        'Run a fresh pair setup with a peer now (on the running node; its operator runs the same for this node), or, with the node stopped, discard the stored pair state so the next session runs one',
        (c) =>
          storeOptions(c)
            .option('peer', { type: 'string', demandOption: true, describe: 'The peer id' })
            .option('addr', { type: 'string', array: true, default: [], describe: "The peer's multiaddr(s)" }),
        async (argv) => {
          const peer = parsePeer(argv.peer);
          const live = await adminRequest(argv['data-dir'], {
            cmd: 'pair',
            peer: argv.peer,
            addrs: argv.addr.map(String),
          });
          if (live) {
            if (!live.ok) throw new CommandError('PAIR_FAILED', live.message);
            console.log(live.message);
            return;
          }
          await withStore(argv, async (store) => {
            const had = await store.pairs.discard(peer);
            console.log(
              had
                ? `the node is not running: discarded the pair state with ${argv.peer}; the next session with it runs a fresh pair setup`
                : `the node is not running and has no pair state with ${argv.peer}; the first session with it runs pair setup`,
            );
          });
        },
      )
      .command(
        'unfreeze',
        'Lift the freeze of a key (a key freezes on a party whose signature failed its final verification; only an operator lifts it, after finding out why)',
        (c) =>
          storeOptions(c).option('key', {
            type: 'string',
            demandOption: true,
            describe: 'The key id, hex (see mpc party status)',
          }),
        async (argv) => {
          const keyId = argv.key.toLowerCase();
          if (!/^([0-9a-f]{2})+$/.test(keyId)) {
            throw new UsageError(`--key: '${argv.key}' is not a key id (hex, as mpc party status prints it)`);
          }
          const live = await adminRequest(argv['data-dir'], { cmd: 'unfreeze', keyId });
          if (live) {
            if (!live.ok) throw new CommandError('UNFREEZE_FAILED', live.message);
            console.log(live.message);
            return;
          }
          await withStore(argv, async (store) => {
            console.log(unfreezeAnswer(await store.frozenKeys.unfreeze(fromHex(keyId)), keyId).message);
          });
        },
      )
      .command(
        'unban',
        'Lift the ban of a peer node (bans follow failed protocol checks; only an operator lifts them)',
        (c) => storeOptions(c).option('peer', { type: 'string', demandOption: true, describe: 'The peer id to unban' }),
        (argv) =>
          withStore(argv, async (store) => {
            const peer = parsePeer(argv.peer);
            const lifted = await store.unban(peer);
            console.log(lifted ? `unbanned ${argv.peer}` : `${argv.peer} was not banned`);
          }),
      )
      .demandCommand(1, 'Specify a party command; see mpc party --help.'),
  );
}
