/** A model loaded in the inference threads, as serving sees it: ranked predictions from the pool's probabilities. */
import { decision, rankProbabilities, type ModelHead, type Prediction } from '../../model/index.js';
import type { InferencePool } from './pool.js';
import type { LoadedInfo } from './protocol.js';

/** A model loaded in an {@link InferencePool}: serves predictions from the threads. */
export class RemoteModel {
  private disposed = false;
  readonly labels: readonly string[];
  readonly head: ModelHead;

  constructor(
    private readonly pool: InferencePool,
    private readonly handle: number,
    private readonly info: LoadedInfo,
  ) {
    this.labels = info.labels;
    this.head = info.head;
  }

  /** Its memory over all threads (each holds a copy), estimated. */
  memoryBytes(): number {
    return this.info.memoryBytes * this.pool.size;
  }

  get multiLabel(): boolean {
    return this.head.output === 'sigmoid';
  }

  /** Like `TextClassifier.predict`, computed in an inference thread. */
  async predict(
    texts: readonly string[],
    topK = this.labels.length,
    threshold?: number,
    explain?: number,
  ): Promise<Prediction[]> {
    if (this.disposed) throw new Error('predict on a disposed model');
    if (texts.length === 0) return [];
    const ask = { ...(explain ? { explain } : {}), ...(threshold !== undefined ? { threshold } : {}) };
    const { probs, unknownShare, explanations } = await this.pool.probabilities(this.handle, [...texts], ask);
    const out = rankProbabilities(this.labels, probs, {
      topK,
      unknownShare,
      ...decision(this.head, threshold),
    });
    explanations?.forEach((e, r) => (out[r]!.explanation = e));
    return out;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.pool.dispose(this.handle);
  }
}
