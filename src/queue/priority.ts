import { readdirSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/**
 * Adds `nice` to the scheduling priority of the calling thread (`'thread'`) or of every thread the
 * process has now (`'process'`; threads started later inherit it from the thread that starts them).
 * Linux only: there nice values are per thread, so a training thread can yield to serving in the
 * same process. Elsewhere `setpriority` would lower the whole process, so nothing is done.
 * Why every thread for a worker-only process: V8's garbage-collection helpers and libuv's pool are
 * shared by all threads and start at the process's priority, so a training thread's collections,
 * and its checkpoints passing through the main thread, would otherwise compete with serving at full
 * priority.
 */
export function lowerPriority(nice: number, scope: 'thread' | 'process'): void {
  if (nice <= 0 || process.platform !== 'linux') return;
  const tids = scope === 'thread' ? [0] : readdirSync('/proc/self/task').map(Number);
  for (const tid of tids) {
    try {
      setPriority(tid, Math.min(19, getPriority(tid) + nice));
    } catch {
      // not permitted, or the thread ended: it keeps its priority
    }
  }
}
