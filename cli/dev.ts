/**
 * `npm start` (`mpc dev`): the whole network on one machine — a coordinator (in this process, embedded PGlite)
 * and three party processes on 127.0.0.1, talking over real TCP + noise. Data lives under `./.mpc-dev/` and is
 * kept across restarts, with a generated master key and API key stored there (mode 0600) unless
 * `CRYPTO_MASTER_KEY` / `MPC_API_KEY` are set. Ctrl-C stops everything.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Argv } from 'yargs';
import { createLogger } from '../src/runtime/logger.js';
import { MASTER_KEY_ENV, MasterKey } from '../src/runtime/master-key.js';
import { UsageError } from './failure.js';
import { untilSignal } from './signals.js';

const BIN = fileURLToPath(new URL('./bin.js', import.meta.url));

/** Reads a secret from `file`, or makes one with `make` and stores it (0600). */
function secretFile(file: string, make: () => string): string {
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const v = make();
  writeFileSync(file, `${v}\n`, { mode: 0o600 });
  return v;
}

/** The party's peer id, creating its identity on first start. */
async function partyIdentity(dataDir: string, masterKeyHex: string): Promise<string> {
  // loaded here so that `mpc --help` does not load libp2p and LevelDB
  const { createIdentity, loadIdentity } = await import('../src/party/identity.js');
  const { openPartyStore } = await import('../src/party/open-store.js');
  const { store } = await openPartyStore({ dataDir, env: { CRYPTO_MASTER_KEY: masterKeyHex } });
  try {
    if ((await store.getIdentity()) === undefined) return (await createIdentity(store)).peerId;
    return (await loadIdentity(store)).peerId;
  } finally {
    await store.close();
  }
}

/** Runs `mpc party start` for one party, its output prefixed with its name. */
function spawnParty(name: string, dataDir: string, coordinator: string, env: NodeJS.ProcessEnv, logLevel: string) {
  const child = spawn(
    process.execPath,
    [
      BIN,
      'party',
      'start',
      '--data-dir',
      dataDir,
      '--coordinator',
      coordinator,
      '--log-format',
      'pretty',
      '--log-level',
      logLevel,
    ],
    { env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  for (const s of [child.stdout, child.stderr]) {
    let rest = '';
    s.setEncoding('utf8');
    s.on('data', (chunk: string) => {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop() ?? '';
      for (const l of lines) if (l.trim()) console.log(`[${name}] ${l}`);
    });
  }
  return child;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** Registers `mpc dev`. */
export function devCommand<T>(y: Argv<T>): Argv<T> {
  return y.command(
    'dev',
    'Start a whole local network: a coordinator (embedded PGlite) and three parties on 127.0.0.1 (npm start)',
    (c) =>
      c
        .option('dir', {
          type: 'string',
          default: process.env.MPC_DEV_DIR ?? '.mpc-dev',
          describe: 'Where data and generated keys live',
        })
        .option('port', {
          type: 'number',
          default: Number(process.env.PORT ?? 4000),
          describe: 'REST API port (env PORT)',
        })
        .option('parties', { type: 'number', default: 3, describe: 'Party processes to run (2..16)' })
        .option('log-level', { choices: ['debug', 'info', 'warn', 'error'] as const, default: 'warn' as const }),
    async (argv) => {
      const n = argv.parties;
      if (!Number.isInteger(n) || n < 2 || n > 16) throw new UsageError(`invalid --parties ${n}; must be 2..16`);
      const root = resolve(argv.dir);
      mkdirSync(root, { recursive: true, mode: 0o700 });
      const masterKey =
        process.env.CRYPTO_MASTER_KEY?.trim() ||
        secretFile(join(root, 'master.key'), () => randomBytes(32).toString('hex'));
      const identityKey = MasterKey.fromHex(masterKey, MASTER_KEY_ENV).subKey('coordinatorIdentity');
      const apiKey =
        process.env.MPC_API_KEY?.split(',')[0]?.trim() ||
        secretFile(join(root, 'api-key'), () => `mpc_dev_${randomBytes(24).toString('base64url')}`);
      console.log(`mpc dev: data in ${root}`);
      const peers: string[] = [];
      for (let i = 1; i <= n; i++) peers.push(await partyIdentity(join(root, `party-${i}`), masterKey));
      const log = createLogger({ level: argv['log-level'], pretty: true, name: 'coordinator' });
      const { startCoordinator } = await import('../coordinator/server.js');
      const coordinator = await startCoordinator({
        port: argv.port,
        host: '127.0.0.1',
        listen: ['/ip4/127.0.0.1/tcp/0'],
        dataDir: join(root, 'coordinator'),
        apiKeys: [apiKey],
        allowedPeers: peers,
        identityKey,
        quorum: Math.min(3, n),
        log,
      });
      const addr = coordinator.multiaddrs[0] as string;
      const env = { ...process.env, CRYPTO_MASTER_KEY: masterKey };
      const children = peers.map((_, i) =>
        spawnParty(`party-${i + 1}`, join(root, `party-${i + 1}`), addr, env, argv['log-level']),
      );
      const stopAll = async () => {
        console.log('\nmpc dev: stopping…');
        await Promise.all(children.map(stopChild));
        await coordinator.stop();
        console.log('mpc dev: stopped');
      };
      process.stdout.write(`mpc dev: waiting for ${n} parties to register`);
      const deadline = Date.now() + 60_000;
      while (peers.some((p) => !coordinator.rendezvous.isOnline(p)) && Date.now() < deadline) {
        if (children.some((c) => c.exitCode !== null)) break;
        process.stdout.write('.');
        await new Promise((r) => setTimeout(r, 500));
      }
      const online = peers.filter((p) => coordinator.rendezvous.isOnline(p)).length;
      console.log(` ${online}/${n} online`);
      if (online < n) console.error('mpc dev: not every party came up; see the [party-N] lines above');
      console.log(
        [
          '',
          `  API      ${coordinator.apiUrl}`,
          `  API key  ${apiKey}`,
          `  p2p      ${addr}`,
          '',
          '  Create an account (2-of-3):',
          `    curl -s -X POST ${coordinator.apiUrl}/api/v1/accounts -H 'X-API-Key: ${apiKey}' -H 'Content-Type: application/json' -d '{"userId":"alice"}'`,
          '  Sign with it (use its accountId):',
          `    curl -s -X POST ${coordinator.apiUrl}/api/v1/accounts/<accountId>/sign -H 'X-API-Key: ${apiKey}' -H 'Content-Type: application/json' -d '{"messageHash":"0x${'ab'.repeat(32)}"}'`,
          '',
          '  Ctrl-C stops the network; data stays in the directory above.',
          '',
        ].join('\n'),
      );
      await untilSignal(stopAll, 'mpc dev');
    },
  );
}
