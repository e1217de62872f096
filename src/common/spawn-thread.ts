import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts a worker thread on `entry`. A `.ts` entry (running under tsx) needs tsx's loader
 * registered inside the thread before the entry is imported (`execArgv: ['--import', 'tsx']`
 * registers it too late for the entry module itself); a `.js` entry starts as it is.
 */
export function spawnThread(entry: URL, options: WorkerOptions): Worker {
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, options);
  const tsx = import.meta.resolve('tsx/esm/api');
  const code = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(code, { ...options, eval: true });
}

/** `name` next to the calling module: `.ts` under tsx, `.js` when compiled. */
export function siblingEntry(base: string, name: string): URL {
  const ext = base.endsWith('.ts') ? '.ts' : '.js';
  return new URL(`./${name}${ext}`, base);
}
