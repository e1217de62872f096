/**
 * Loss and accuracy per epoch of a training job, drawn with uPlot (canvas; no inline scripts, so it
 * passes the API's CSP). Both phases share the x axis "epoch": `select` (with the validation curves)
 * and `refit` (on all documents, no validation) each count epochs from 1.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { JobProgress } from './api';
import { h } from './dom';

type Metric = 'loss' | 'accuracy';

interface Line {
  label: string;
  phase: 'select' | 'refit';
  field: keyof Pick<JobProgress, 'loss' | 'accuracy' | 'valLoss' | 'valAccuracy'>;
  stroke: string;
  dash?: number[];
}

const LINES: Record<Metric, Line[]> = {
  loss: [
    { label: 'loss', phase: 'select', field: 'loss', stroke: '#2563eb' },
    { label: 'val loss', phase: 'select', field: 'valLoss', stroke: '#dc2626' },
    { label: 'refit loss', phase: 'refit', field: 'loss', stroke: '#16a34a', dash: [6, 4] },
  ],
  accuracy: [
    { label: 'accuracy', phase: 'select', field: 'accuracy', stroke: '#2563eb' },
    { label: 'val accuracy', phase: 'select', field: 'valAccuracy', stroke: '#dc2626' },
    { label: 'refit accuracy', phase: 'refit', field: 'accuracy', stroke: '#16a34a', dash: [6, 4] },
  ],
};

/** The per-epoch history of one job, fed from its progress events. */
export class EpochHistory {
  private readonly byKey = new Map<string, JobProgress>();

  /** Records a progress report; a repeated (phase, epoch) replaces the earlier one. */
  add(p: JobProgress | null | undefined): void {
    if (!p || p.loss === undefined) return;
    this.byKey.set(`${p.phase ?? 'select'}:${p.epoch}`, p);
  }

  get size(): number {
    return this.byKey.size;
  }

  /** uPlot's aligned data: x = epoch 1..n, then one y array per line (null where absent). */
  data(metric: Metric): uPlot.AlignedData {
    const all = [...this.byKey.values()];
    const n = Math.max(0, ...all.map((p) => p.epoch));
    const xs = Array.from({ length: n }, (_, i) => i + 1);
    const ys = LINES[metric].map((line) =>
      xs.map((x) => this.byKey.get(`${line.phase}:${x}`)?.[line.field] ?? null),
    );
    return [xs, ...ys];
  }
}

/** Two charts (loss, accuracy) that follow their container's width. */
export class Curves {
  readonly el = h('div', { class: 'curves' });
  private readonly plots = new Map<Metric, uPlot>();
  private readonly observer: ResizeObserver;

  constructor(private readonly history: EpochHistory) {
    for (const metric of ['loss', 'accuracy'] as const) {
      const box = h('div', { class: 'curve', 'data-metric': metric });
      this.el.append(box);
      this.plots.set(metric, new uPlot(options(metric, 320), history.data(metric), box));
    }
    this.observer = new ResizeObserver(() => this.resize());
    this.observer.observe(this.el);
  }

  /** Redraws from the history (after a progress event). */
  update(): void {
    for (const [metric, plot] of this.plots) plot.setData(this.history.data(metric));
  }

  destroy(): void {
    this.observer.disconnect();
    for (const plot of this.plots.values()) plot.destroy();
    this.plots.clear();
  }

  private resize(): void {
    for (const plot of this.plots.values()) {
      const width = plot.root.parentElement?.clientWidth ?? 320;
      if (width > 0 && Math.abs(width - plot.width) > 2) plot.setSize({ width, height: 220 });
    }
  }
}

function options(metric: Metric, width: number): uPlot.Options {
  return {
    title: metric === 'loss' ? 'Loss (cross-entropy)' : 'Accuracy',
    width,
    height: 220,
    scales: { x: { time: false }, y: metric === 'accuracy' ? { range: [0, 1] } : {} },
    // Whole epochs only on the x axis.
    axes: [{ label: 'epoch', incrs: [1, 2, 5, 10, 20, 50, 100, 200] }, {}],
    series: [
      { label: 'epoch' },
      ...LINES[metric].map((l) => ({
        label: l.label,
        stroke: l.stroke,
        dash: l.dash,
        width: 2,
        spanGaps: true,
        points: { show: true, size: 5 },
      })),
    ],
  };
}
