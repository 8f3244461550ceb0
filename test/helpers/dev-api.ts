/** The REST side of a test's dev network (cli/dev-network.ts): its environment and a client of its API. */
import type { DevNetwork } from '../../cli/dev-network.js';

/** This process's environment without the developer's keys and database, for a dev network of its own. */
export function devNetworkEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.MPC_API_KEY;
  delete env.CRYPTO_MASTER_KEY;
  delete env.DATABASE_URL;
  return env;
}

/** An answer of the API: its status and JSON body. */
export interface DevAnswer {
  status: number;
  body: Record<string, unknown>;
}

/** GET and POST on the network's API with its key (JSON bodies). */
export function devApi(net: Pick<DevNetwork, 'apiUrl' | 'apiKey'>) {
  const call = async (method: string, path: string, body?: unknown): Promise<DevAnswer> => {
    const r = await fetch(`${net.apiUrl}${path}`, {
      method,
      headers: { 'x-api-key': net.apiKey, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: r.status, body: (await r.json()) as Record<string, unknown> };
  };
  return {
    post: (path: string, body?: unknown) => call('POST', path, body),
    get: (path: string) => call('GET', path),
  };
}

/** A {@link devApi} client. */
export type DevApi = ReturnType<typeof devApi>;
