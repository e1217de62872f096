/**
 * An autotune job's trials in Redis: one hash per search (trial id → its result, plus the
 * deadline), so every worker's trial adds to the same table and a re-run trial overwrites itself.
 */
import type { Redis } from 'ioredis';
import type { TrialResult } from '../autotune/index.js';
import type { Keys } from '../redis/index.js';

const DEADLINE = '_deadline';

export class SearchStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  /** The search's deadline (ms): set by the first trial to ask, `budgetSeconds` from then. */
  async deadline(jobId: string, budgetSeconds: number): Promise<number> {
    const key = this.keys.jobSearch(jobId);
    const [, [, value]] = (await this.redis
      .multi()
      .hsetnx(key, DEADLINE, String(Date.now() + budgetSeconds * 1000))
      .hget(key, DEADLINE)
      .exec()) as [[null, number], [null, string]];
    return Number(value);
  }

  /** Stores one trial's result and returns every result so far. */
  async record(jobId: string, result: TrialResult): Promise<TrialResult[]> {
    await this.redis.hset(this.keys.jobSearch(jobId), result.id, JSON.stringify(result));
    return this.results(jobId);
  }

  /** One trial's stored result, if it has one. */
  async result(jobId: string, trialId: string): Promise<TrialResult | undefined> {
    const value = await this.redis.hget(this.keys.jobSearch(jobId), trialId);
    return value === null ? undefined : (JSON.parse(value) as TrialResult);
  }

  /** Every trial result so far, in no particular order. */
  async results(jobId: string): Promise<TrialResult[]> {
    const all = await this.redis.hgetall(this.keys.jobSearch(jobId));
    return Object.entries(all)
      .filter(([k]) => k !== DEADLINE)
      .map(([, v]) => JSON.parse(v) as TrialResult);
  }
}
