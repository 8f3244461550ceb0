/**
 * Everything `mpc party start` does between parsing flags and waiting for a signal: open the store, load the
 * identity, start logging, metrics and the health server, start the node, and stop all of it cleanly.
 */

import { writeFileSync } from 'node:fs';
import { fromHex } from '../../protocols/common/bytes.js';
import type { PartyRole } from '../../protocols/control/control.js';
import { startObserveServer } from '../observe/http.js';
import { PartyMetrics } from '../observe/metrics.js';
import { createLogger } from '../runtime/logger.js';
import { unfreezeAnswer } from './admin.js';
import { serveAdmin } from './admin-socket.js';
import { backupParty } from './backup.js';
import { createIdentity, loadIdentity } from './identity.js';
import { PartyNode } from './node.js';
import { openPartyStore } from './open-store.js';

/**
 * Presignatures per key a running party holds armed: taken out of its store ahead of their use, so that a
 * signing from one writes nothing on its path (src/store/presignatures.ts). A key is re-armed in a group once
 * it holds fewer than half of these, so one signing in about five pays for one read and one fsynced batch (with
 * two armed, every signing paid for its own, at about a quarter of a signer's CPU). A graceful stop puts them
 * back; a crash loses at most these per key (those signings fall back to a full signing).
 */
export const ARMED_PRESIGNATURES = 8;

/** The validated configuration of a running party. */
export interface PartyConfig {
  dataDir: string;
  masterKeyFile?: string;
  coordinator: string;
  listen: string[];
  /** Addresses to advertise instead of the listen addresses. */
  announce?: string[];
  role: PartyRole;
  metricsPort?: number;
  /** Address the observation server binds. @default DEFAULT_OBSERVE_HOST (loopback) */
  metricsHost?: string;
  logFormat: 'json' | 'pretty';
  logLevel: string;
  maxSessions: number;
  roundTimeoutMs: number;
  totalTimeoutMs: number;
  /** Maximum age of a pair state, in ms. @default 90 days */
  pairMaxAgeMs?: number;
  version: string;
  /** One-time join token to redeem before registering. */
  joinToken?: string;
  /** Pool secret of this node's role, presented before registering (reusable). */
  poolSecret?: string;
  /**
   * Make the identity when the store has none (a container's first start on an empty volume) instead of
   * asking for `mpc party init`. @default false
   */
  createIdentity?: boolean;
}

/** A running party with its side services; `stop()` ends everything in order. */
export interface RunningParty {
  node: PartyNode;
  metricsPort?: number;
  stop(): Promise<void>;
}

/** Starts a party from `config`; failures before the node runs close what was opened and rethrow. */
export async function runParty(config: PartyConfig): Promise<RunningParty> {
  const log = createLogger({ level: config.logLevel, pretty: config.logFormat === 'pretty', name: 'party' });
  const { store, notes } = await openPartyStore({
    dataDir: config.dataDir,
    masterKeyFile: config.masterKeyFile,
    armPresignatures: ARMED_PRESIGNATURES,
  });
  for (const n of notes) log.warn({}, n);
  let storeOpen = true;
  try {
    const { key } =
      config.createIdentity && (await store.getIdentity()) === undefined
        ? await createIdentity(store).then((made) => {
            log.info({ peerId: made.peerId }, 'created the node identity (first start on an empty data directory)');
            return made;
          })
        : await loadIdentity(store);
    const metrics = new PartyMetrics();
    const node = await PartyNode.start({
      store,
      identity: key,
      coordinator: config.coordinator,
      ...(config.joinToken ? { joinToken: config.joinToken } : {}),
      ...(config.poolSecret ? { poolSecret: config.poolSecret } : {}),
      listen: config.listen,
      ...(config.announce ? { announce: config.announce } : {}),
      role: config.role,
      version: config.version,
      maxSessions: config.maxSessions,
      roundTimeoutMs: config.roundTimeoutMs,
      totalTimeoutMs: config.totalTimeoutMs,
      ...(config.pairMaxAgeMs === undefined ? {} : { pairMaxAgeMs: config.pairMaxAgeMs }),
      log,
      onSessionEnd: (kind, outcome, seconds) => metrics.sessionEnded(kind, outcome, seconds),
      onRound: (kind, round, seconds) => metrics.roundDone(kind, round, seconds),
    });
    const server =
      config.metricsPort === undefined
        ? undefined
        : await startObserveServer({
            port: config.metricsPort,
            ...(config.metricsHost ? { host: config.metricsHost } : {}),
            metrics,
            // ready: the store is open and the coordinator has this node registered (it can be picked)
            ready: () => storeOpen && node.registered,
            health: async () => {
              metrics.setPeers(node.host.getPeers().length);
              return { ok: node.registered, peerId: node.peerId, registered: node.registered };
            },
          });
    const closeAdmin = await serveAdmin(config.dataDir, async (req) => {
      switch (req.cmd) {
        case 'pair': {
          const psid = await node.pairNow(req.peer, req.addrs ?? []);
          log.info({ peer: req.peer, psid }, "pair setup done on the operator's request");
          return { ok: true, message: `paired with ${req.peer} (pair-setup id ${psid.slice(0, 16)}…)` };
        }
        case 'unfreeze':
          return unfreezeAnswer(await store.frozenKeys.unfreeze(fromHex(req.keyId)), req.keyId, log);
        case 'backup': {
          const { file, header } = await backupParty(store, req.passphrase);
          writeFileSync(req.out, file, { mode: 0o600, flag: 'wx' });
          log.info({ out: req.out, bytes: file.length }, "backup written on the operator's request");
          const holds = Object.entries(header.holds).map(([k, v]) => `${k} ${v}`);
          return {
            ok: true,
            message: `wrote ${req.out} (${file.length} bytes) from the running node: ${holds.join(', ')}`,
          };
        }
      }
    });
    log.info(
      {
        peerId: node.peerId,
        addrs: node.host.getMultiaddrs().map(String),
        role: config.role,
        ...(server ? { metricsPort: server.port } : {}),
      },
      'party started',
    );
    return {
      node,
      ...(server ? { metricsPort: server.port } : {}),
      stop: async () => {
        storeOpen = false; // not ready from the first moment of the stop
        log.info({}, 'stopping: in-flight sessions end with an abort result');
        await closeAdmin();
        await node.stop();
        await server?.close();
        let putBack = 0;
        try {
          putBack = await store.presignatures.putBack();
        } catch (e) {
          log.warn({ error: String(e) }, 'the armed presignatures could not be put back: they are gone as used');
        }
        await store.close();
        log.info(putBack > 0 ? { presignaturesPutBack: putBack } : {}, 'party stopped');
      },
    };
  } catch (e) {
    await store.close();
    throw e;
  }
}
