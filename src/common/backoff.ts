/**
 * Exponential backoff: `baseMs` before the first retry, doubling with each failure in a row, never
 * more than `capMs`. Used wherever something is restarted or reconnected after it failed.
 * @param failures failures in a row so far (1 for the first).
 */
export function backoffMs(failures: number, baseMs: number, capMs: number): number {
  return Math.min(capMs, baseMs * 2 ** Math.max(0, failures - 1));
}
