/**
 * Jobs by state over every queue the workers take from (training, bulk classification): what an
 * autoscaler sizes the worker pool on.
 */
import type { Queue } from 'bullmq';
import type { QueueDepth } from '../contract/index.js';

/** One queue's counts: the states an autoscaler and an operator need. */
export type QueueCounts = QueueDepth['queues']['training'];
/** The queues a worker takes jobs from, by the name `/metrics/queue` reports them under. */
export type WorkerQueues = Record<keyof QueueDepth['queues'], Pick<Queue, 'getJobCounts'>>;

const STATES = ['waiting', 'prioritized', 'delayed', 'active', 'failed'] as const;

/**
 * Exact counts of one queue: BullMQ keeps prioritized and delayed jobs apart from the wait list,
 * so the wait list's length alone undercounts.
 */
export async function queueCounts(queue: Pick<Queue, 'getJobCounts'>): Promise<QueueCounts> {
  const c = await queue.getJobCounts(...STATES);
  const n = (state: string) => c[state] ?? 0;
  return {
    pending: n('waiting') + n('prioritized') + n('delayed') + n('active'),
    waiting: n('waiting'),
    prioritized: n('prioritized'),
    delayed: n('delayed'),
    active: n('active'),
    failed: n('failed'),
  };
}

/** Every worker queue's counts, and their sums at the top level (`pending`: workers needed). */
export async function workerQueueDepth(queues: WorkerQueues): Promise<QueueDepth> {
  const [training, classify] = await Promise.all([
    queueCounts(queues.training),
    queueCounts(queues.classify),
  ]);
  const sum = (k: keyof QueueCounts) => training[k] + classify[k];
  return {
    pending: sum('pending'),
    waiting: sum('waiting'),
    prioritized: sum('prioritized'),
    delayed: sum('delayed'),
    active: sum('active'),
    failed: sum('failed'),
    queues: { training, classify },
  };
}
