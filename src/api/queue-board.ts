import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import type { Router } from 'express';

/** Where the queue board lives. */
export const QUEUE_BOARD_PATH = '/queues';

/**
 * BullMQ's own view of the training queue (bull-board): jobs by state, their data, logs and errors.
 * Read-only unless `writable` (keys on and the caller's key has the `train` scope: retry, clean and
 * remove are then the board's to offer).
 */
export function queueBoard(queue: Queue, writable: boolean): Router {
  const server = new ExpressAdapter();
  server.setBasePath(QUEUE_BOARD_PATH);
  createBullBoard({
    queues: [new BullMQAdapter(queue, { readOnlyMode: !writable })],
    serverAdapter: server,
    options: { uiConfig: { boardTitle: 'textclf queue' } },
  });
  return server.getRouter() as Router;
}
