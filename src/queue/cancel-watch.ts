import type { JobEvent, JobView } from '../contract/index.js';
import type { Keys, PubSubHub } from '../redis/index.js';
import type { JobRecord } from './job-record.js';
import type { TrainingThread } from './thread-runner.js';

/**
 * Stops a job's training thread when the job is cancelled: listens on the job's channel, and
 * re-reads the record every `pollMs` in case a pub/sub message was missed. A cancel that lands
 * before the thread exists is acted on when the thread is attached.
 */
export class CancelWatch {
  private thread: Pick<TrainingThread, 'cancel'> | undefined;
  private off: (() => Promise<void>) | undefined;
  private poll: NodeJS.Timeout | undefined;

  private constructor(private readonly record: JobRecord) {}

  /** Starts watching `record`'s job. */
  static async start(hub: PubSubHub, keys: Keys, record: JobRecord, pollMs: number): Promise<CancelWatch> {
    const watch = new CancelWatch(record);
    watch.off = await hub.on(keys.jobChannel(record.jobId), (msg) => {
      watch.check((JSON.parse(msg) as JobEvent).job);
    });
    watch.poll = setInterval(() => {
      record.view().then(
        (view) => watch.check(view),
        () => undefined,
      );
    }, pollMs);
    return watch;
  }

  /** The thread to stop from now on; checks the record at once for a cancel that came first. */
  async attach(thread: Pick<TrainingThread, 'cancel'>): Promise<void> {
    this.thread = thread;
    this.check(await this.record.view());
  }

  /** Stops the thread (if attached) because the job was cancelled. */
  cancel(): void {
    this.thread?.cancel('cancelled by request');
  }

  /** Stops listening and polling (idempotent). */
  async stop(): Promise<void> {
    clearInterval(this.poll);
    const off = this.off;
    this.off = undefined;
    await off?.();
  }

  private check(view: JobView): void {
    if (view.status === 'cancelled') this.cancel();
  }
}
