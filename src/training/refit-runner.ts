/** The refit phase run beside the select phase: trains on every row and keeps the epochs the select phase may choose. */
import type { NetworkParams } from '../model/index.js';
import type { CsrMatrix } from '../text/index.js';
import { AdamSlot, type AdamConfig } from './adam.js';
import { runEpoch, type EpochContext, type Stepper } from './epoch.js';
import { BatchScratch } from './batch.js';
import { initParams, snapshotParams } from './params.js';
import { Rng } from './rng.js';
import type { Dims } from './step.js';

/** The seeds of a phase's starting parameters and of its shuffles and dropout, from `options.seed`. */
export function phaseSeeds(seed: number): { params: number; stream: number } {
  return { params: seed + 1, stream: seed ^ 0x5bd1e995 };
}

/** Everything a refit needs, as plain arrays (it crosses to a thread by structured clone). */
export interface RefitSetup {
  x: CsrMatrix;
  y: Int32Array;
  targets?: Uint8Array;
  dims: Dims;
  adam: AdamConfig;
  batchSize: number;
  dropout: number;
  classWeights?: Float32Array;
  /** Every row, in the run's seeded order: what each refit epoch trains on. */
  order: Int32Array;
  vocabularySize: number;
  seed: number;
  /** The select phase's epoch limit: the refit never needs more. */
  maxEpochs: number;
  /** Where the table's loops run (as the select phase's table). */
  kernels: 'wasm' | 'js';
}

/** What the select phase says after its epoch `epoch`: the best epoch so far, and whether it stopped. */
export interface Verdict {
  epoch: number;
  bestEpoch: number;
  stop: boolean;
}

/** One refit epoch's figures, as the sequential refit reports them. */
export interface RefitEpoch {
  epoch: number;
  loss: number;
  accuracy: number;
  ms: number;
}

/**
 * Trains the refit from fresh parameters (the same seeds, so the same weights, epoch by epoch, as a
 * refit started after the select phase) while the select phase runs elsewhere. The select phase's
 * verdicts decide which epochs' weights to keep: the best so far, and the last epoch not yet judged;
 * the refit runs at most one epoch ahead of the verdicts, so at most two copies are held. Once the
 * select phase stops at best epoch E, the weights after refit epoch E are the result
 * (`Math.max(1, E)`, as the sequential refit).
 */
export class RefitRunner {
  private readonly ctx: EpochContext;
  private judged = 0;
  private bestEpoch = 0;
  private target: number | undefined;
  private finished = 0;
  private readonly kept = new Map<number, NetworkParams>();
  private wake: (() => void) | undefined;
  private readonly abort = new AbortController();
  private result: { params: NetworkParams; epochs: RefitEpoch[] } | undefined;
  private readonly epochs: RefitEpoch[] = [];

  constructor(
    private readonly setup: RefitSetup,
    step: Stepper,
  ) {
    const { x, y, targets, dims, adam, batchSize, dropout, classWeights } = setup;
    this.ctx = {
      step,
      x,
      y,
      ...(targets ? { targets } : {}),
      dims,
      scratch: new BatchScratch(setup.vocabularySize),
      adam,
      batchSize,
      dropout,
      signal: this.abort.signal,
      ...(classWeights ? { classWeights } : {}),
    };
  }

  /** Hears the select phase's verdict on its epoch (in epoch order). */
  verdict(v: Verdict): void {
    this.judged = Math.max(this.judged, v.epoch);
    this.bestEpoch = v.bestEpoch;
    if (v.stop && this.target === undefined) this.target = Math.max(1, v.bestEpoch);
    for (const e of this.kept.keys()) if (e <= this.judged && e !== this.candidate) this.kept.delete(e);
    // The target already trained and kept: done, wherever the current epoch is.
    const kept = this.target !== undefined ? this.kept.get(this.target) : undefined;
    if (kept) this.finish(kept);
    this.wake?.();
  }

  /** Trains until the target epoch; resolves with its weights and the figures of epochs 1..target. */
  async run(): Promise<{ params: NetworkParams; epochs: RefitEpoch[] }> {
    const { dims, seed, vocabularySize: v, order, maxEpochs } = this.setup;
    const seeds = phaseSeeds(seed);
    const rng = new Rng(seeds.stream);
    const { hidden, dense } = initParams(
      v,
      dims.hiddenUnits,
      dims.numClasses,
      new Rng(seeds.params),
      dims.linear,
    );
    const h = dims.hiddenUnits;
    const slots = [new AdamSlot(h), new AdamSlot(h * dims.numClasses), new AdamSlot(dims.numClasses)];
    let step = 0;
    try {
      for (let epoch = 1; epoch <= maxEpochs && !this.result; epoch++) {
        // At most one epoch ahead of the verdicts: the last finished epoch is the only unjudged copy.
        await this.until(() => this.target !== undefined || this.judged >= epoch - 2);
        if (this.result || (this.target !== undefined && epoch > this.target)) break;
        const t0 = performance.now();
        const fit = await runEpoch(this.ctx, order, hidden, dense, slots, rng, () => ++step);
        this.epochs.push({ epoch, ...fit, ms: performance.now() - t0 });
        this.finished = epoch;
        if (this.target === epoch) this.finish(snapshotParams(hidden, dense));
        else if (this.target === undefined && (epoch > this.judged || epoch === this.candidate))
          this.kept.set(epoch, snapshotParams(hidden, dense));
      }
    } catch (err) {
      if (!this.result) throw err;
    }
    // The last epoch may finish before the select phase's last verdict: its copy is kept until then.
    await this.until(() => this.target !== undefined);
    if (!this.result)
      throw new Error(`refit epoch ${this.target} was not kept (trained to ${this.finished})`);
    return this.result;
  }

  /** The epoch the refit would end at if the select phase stopped now (no best yet: 1). */
  private get candidate(): number {
    return Math.max(1, this.bestEpoch);
  }

  private finish(params: NetworkParams): void {
    if (this.result) return;
    const target = this.target!;
    this.result = { params, epochs: this.epochs.filter((e) => e.epoch <= target) };
    this.kept.clear();
    this.abort.abort();
    this.wake?.();
  }

  private async until(ready: () => boolean): Promise<void> {
    while (!ready() && !this.result) await new Promise<void>((resolve) => (this.wake = resolve));
    this.wake = undefined;
  }
}
