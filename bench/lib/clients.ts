/**
 * Closed-loop classify clients for `bench:scale`: each client posts one article, waits for the
 * answer, and posts the next, round-robin over the APIs. Records failures and, per API, when each
 * model version was first answered.
 */
import { Agent } from 'node:http';
import { request } from 'node:http';
import type { Socket } from 'node:net';

export interface ClientStats {
  requests: number;
  failures: number;
  /** Descriptions of the first 20 failures. */
  failureSamples: string[];
  /** When each failure happened (ms since epoch). */
  failureTimes: number[];
  /** Per API: version → first time (ms since epoch) an answer with it was received. */
  firstSeen: Map<number, number>[];
  /** Answers with a lower version than one that API had already answered with. */
  regressions: number;
  latenciesMs: number[];
}

/** When each keep-alive socket last finished a response: a failure names how long its socket sat idle. */
const lastUsed = new WeakMap<Socket, number>();

function post(agent: Agent, url: URL, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    let idle = 'a new socket';
    let socket: Socket | undefined;
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => {
          if (socket) lastUsed.set(socket, Date.now());
          resolve({ status: res.statusCode ?? 0, text });
        });
        res.on('error', reject);
      },
    );
    req.on('socket', (s: Socket) => {
      socket = s;
      const last = lastUsed.get(s);
      if (last !== undefined) idle = `a socket reused after ${Date.now() - last} ms idle`;
    });
    req.on('error', (err) => reject(new Error(`${err.message} on ${idle}`)));
    req.end(body);
  });
}

/**
 * Starts `clients` loops against `bases` (round-robin per request) posting `bodies` in turn over
 * keep-alive connections (`pool`: one connection per client and API, or one shared pool per API).
 * Returns the live stats and a `stop()` that resolves when every loop has finished its last request.
 */
export function startClients(
  bases: string[],
  bodies: string[],
  clients: number,
  pool: 'per-client' | 'shared' = 'per-client',
): { stats: ClientStats; stop(): Promise<void> } {
  const stats: ClientStats = {
    requests: 0,
    failures: 0,
    failureSamples: [],
    failureTimes: [],
    firstSeen: bases.map(() => new Map()),
    regressions: 0,
    latenciesMs: [],
  };
  const maxSeen = bases.map(() => 0);
  // per-client: each client keeps its own connection to each API, as separate client processes would.
  // shared: one pool per API for all clients (Node's default LIFO: spare sockets sit idle longest).
  const shared = bases.map(() => new Agent({ keepAlive: true, maxSockets: clients }));
  const agents = Array.from({ length: clients }, () =>
    pool === 'shared' ? shared : bases.map(() => new Agent({ keepAlive: true, maxSockets: 1 })),
  );
  const urls = bases.map((b) => new URL(`${b}/classify`));
  let turn = 0;
  let running = true;
  const fail = (what: string) => {
    stats.failures++;
    stats.failureTimes.push(Date.now());
    if (stats.failureSamples.length < 20) stats.failureSamples.push(what);
  };
  const loop = async (c: number) => {
    for (let i = c; running; i += clients) {
      const api = turn++ % bases.length;
      const t0 = performance.now();
      try {
        const r = await post(agents[c]![api]!, urls[api]!, bodies[i % bodies.length]!);
        const now = Date.now();
        stats.requests++;
        if (r.status < 200 || r.status > 299) {
          fail(`API #${api + 1}: HTTP ${r.status} ${r.text.slice(0, 200)}`);
          continue;
        }
        stats.latenciesMs.push(performance.now() - t0);
        const version = (JSON.parse(r.text) as { version: number }).version;
        const seen = stats.firstSeen[api]!;
        if (!seen.has(version)) seen.set(version, now);
        if (version < maxSeen[api]!) stats.regressions++;
        maxSeen[api] = Math.max(maxSeen[api]!, version);
      } catch (err) {
        stats.requests++;
        fail(`API #${api + 1}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  };
  const loops = Array.from({ length: clients }, (_, c) => loop(c));
  return {
    stats,
    async stop() {
      running = false;
      await Promise.all(loops);
      for (const a of new Set(agents.flat())) a.destroy();
    },
  };
}
