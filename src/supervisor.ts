import cluster, { type Worker } from 'node:cluster';
import { backoffMs } from './common/index.js';
import type { Logger } from './log/index.js';

/** A running group of API processes sharing one port. */
export interface ApiProcesses {
  /** Asks every process to drain and stop (SIGTERM) and resolves when all have exited. */
  stop(): Promise<void>;
}

/** Exit code of a process that stopped for a reason only the operator can fix (see `die` in main). */
const OPERATOR_ERROR = 2;

/**
 * Forks `count` API processes of this program with node:cluster, so they share the listening
 * port (the primary hands connections round-robin) and one machine's cores serve together; each is
 * a full `ROLE=api` process with its own hot-reloading classifier, exactly as when started by hand.
 * A process that dies is started again after a delay that grows with repeated failures; one that
 * exits with the operator-error code (bad config, port taken) stops the group via `onFatal`.
 */
export function forkApiProcesses(
  count: number,
  env: Record<string, string>,
  logger: Logger,
  onFatal: (message: string) => void,
): ApiProcesses {
  let stopping = false;
  let failures = 0;
  const live = new Set<Worker>();

  const start = (): void => {
    const worker = cluster.fork(env);
    live.add(worker);
    const startedAt = Date.now();
    worker.on('exit', (code, signal) => {
      live.delete(worker);
      if (stopping) return;
      if (code === OPERATOR_ERROR) {
        onFatal(`an API process exited with code ${code}; see its message above`);
        return;
      }
      // Failures close together back off (to 10 s); a process that ran a while resets the count.
      failures = Date.now() - startedAt > 30_000 ? 1 : failures + 1;
      const delay = backoffMs(failures, 250, 10_000);
      logger.error(
        { pid: worker.process.pid, code, signal, restartInMs: delay },
        'API process died; restarting it',
      );
      setTimeout(() => {
        if (!stopping) start();
      }, delay).unref();
    });
  };
  for (let i = 0; i < count; i++) start();

  return {
    async stop() {
      stopping = true;
      const exits = [...live].map(
        (w) => new Promise<void>((resolve) => (w.isDead() ? resolve() : w.once('exit', () => resolve()))),
      );
      for (const w of live) w.process.kill('SIGTERM');
      await Promise.all(exits);
    },
  };
}
