import type { Logger } from '../log/index.js';
import type { ShadowCounts } from '../registry/index.js';

/** Where a process's shadow counts go (the registry's report in Redis). */
export interface ShadowSink {
  recordShadow(model: string, counts: ShadowCounts): Promise<boolean>;
}

/** What a shadow needs of a loaded model: its top label per text. */
export interface ShadowModel {
  predict(texts: readonly string[], topK?: number): PromiseLike<{ label: string }[]> | { label: string }[];
}

/** Bounds of the shadow work of one process. */
export interface ShadowOptions {
  /** Texts waiting for (or being scored by) a shadow at once; beyond it a request is skipped, whole. */
  maxTextsInFlight: number;
  /** How often the counts go to Redis (one script call per model), in ms. */
  flushMs: number;
}

export const DEFAULT_SHADOW_OPTIONS: ShadowOptions = { maxTextsInFlight: 5000, flushMs: 250 };

const WARN_EVERY_MS = 60_000;

function add(counts: Map<string, number>, label: string): void {
  counts.set(label, (counts.get(label) ?? 0) + 1);
}

/**
 * Scores served texts with a model's shadow version off the request path: `offer` only counts the
 * texts in and schedules the work for after the current turn (so the answer has been written), and
 * refuses work beyond {@link ShadowOptions.maxTextsInFlight} texts, counting it as skipped, so a
 * shadow that falls behind never queues without bound nor slows the answers. Counts are summed in
 * this process and added to the report in Redis every `flushMs`, so every API process contributes.
 */
export class ShadowScorer {
  private inFlight = 0;
  private readonly tallies = new Map<string, { model: string; counts: ShadowCounts }>();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private warnedAt = -Infinity;

  constructor(
    private readonly sink: ShadowSink,
    private readonly opts: ShadowOptions = DEFAULT_SHADOW_OPTIONS,
    private readonly log?: Logger,
  ) {}

  /** Texts offered and not yet scored, in this process. */
  get textsInFlight(): number {
    return this.inFlight;
  }

  /**
   * Has the shadow of run `run` score `texts`, whose served top labels were `served`, after this
   * turn. Never throws, never waits.
   */
  offer(
    model: string,
    run: number,
    shadow: ShadowModel,
    texts: readonly string[],
    served: readonly string[],
  ): void {
    if (this.closed) return;
    if (this.inFlight + texts.length > this.opts.maxTextsInFlight) {
      this.tally(model, run).skipped += texts.length;
      this.schedule();
      return;
    }
    this.inFlight += texts.length;
    setImmediate(() => void this.score(model, run, shadow, texts, served));
  }

  /** Sends the counts taken so far to Redis (counts Redis refuses are dropped and logged). */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = [...this.tallies.values()];
    this.tallies.clear();
    await Promise.all(
      batch.map(({ model, counts }) =>
        this.sink.recordShadow(model, counts).catch((err: unknown) => {
          this.log?.warn({ err, model }, 'could not add shadow counts to the report; dropped');
        }),
      ),
    );
  }

  /** Takes no more work and sends what was counted. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
  }

  private async score(
    model: string,
    run: number,
    shadow: ShadowModel,
    texts: readonly string[],
    served: readonly string[],
  ): Promise<void> {
    try {
      const predictions = await shadow.predict(texts, 1);
      const c = this.tally(model, run);
      predictions.forEach((p, i) => {
        const answered = served[i] ?? '';
        c.requests++;
        if (p.label === answered) c.agreements++;
        add(c.served, answered);
        add(c.shadow, p.label);
      });
    } catch (err) {
      // Swapped out and disposed meanwhile, or a thread being replaced: nothing to compare.
      this.tally(model, run).skipped += texts.length;
      if (performance.now() - this.warnedAt > WARN_EVERY_MS) {
        this.warnedAt = performance.now();
        this.log?.warn({ err, model }, 'the shadow version could not score; counted as skipped');
      }
    } finally {
      this.inFlight -= texts.length;
      this.schedule();
    }
  }

  private tally(model: string, run: number): ShadowCounts {
    const key = `${model}\0${run}`;
    let t = this.tallies.get(key);
    if (!t) {
      const counts = { run, requests: 0, agreements: 0, skipped: 0, served: new Map(), shadow: new Map() };
      t = { model, counts };
      this.tallies.set(key, t);
    }
    return t.counts;
  }

  private schedule(): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => void this.flush(), this.opts.flushMs);
    this.timer.unref();
  }
}
