/**
 * Progress bars on stderr (`cli-progress`), one stage at a time: reading a file, text -> features,
 * the select and refit epochs, or a remote job's events. Each finished stage stays as one line.
 */
import cliProgress from 'cli-progress';
import type { Job } from '../client/index.js';
import type { SearchProgress } from '../contract/index.js';
import type { EpochProgress, TrainHooks } from '../training/index.js';

/** What a stage counts; bytes are shown in MB. */
type Unit = 'bytes' | 'docs' | 'epochs' | 'trials' | '';

const live = new Set<Progress>();

/** While a stage runs it shows its ETA; once done, how long it took (and whether it stopped early). */
const RUNNING = '{stage} {bar} {percentage}% {count} | ETA {eta_formatted}{metrics}';
const DONE = '{stage} {bar} {percentage}% {count} | {duration_formatted}{note}{metrics}';

const format: cliProgress.GenericFormatter = (options, params, payload) =>
  cliProgress.Format.Formatter({ ...options, format: payload.done ? DONE : RUNNING }, params, payload);

/** Ends every bar still drawn, so an error line starts on a line of its own. */
export function stopBars(): void {
  for (const p of live) p.end();
}

function count(value: number, total: number, unit: Unit): string {
  if (unit === '') return '';
  if (unit === 'bytes') {
    const [div, name] = total < 1e6 ? [1e3, 'kB'] : [1e6, 'MB'];
    return `${(value / div).toFixed(1)}/${(total / div).toFixed(1)} ${name}`;
  }
  return `${value}/${total} ${unit}`;
}

function metrics(p: Partial<EpochProgress>): string {
  const f = (name: string, v: number | undefined) => (v === undefined ? '' : ` ${name} ${v.toFixed(4)}`);
  const s = f('loss', p.loss) + f('acc', p.accuracy) + f('val_acc', p.valAccuracy);
  return s ? ` |${s}` : '';
}

/**
 * The bars of one command. Disabled (every method a no-op) unless stderr is a terminal and the
 * output is not `--json`, or `--progress` forces it (then a non-terminal gets a line a second).
 */
export class Progress {
  private bar: cliProgress.SingleBar | undefined;
  private stageName = '';
  private unit: Unit = '';
  private total = 0;

  constructor(
    readonly enabled: boolean,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {}

  /** The bars a command's flags ask for: see the class comment. */
  static forFlags(flags: { json: boolean; progress: boolean }, stream = process.stderr): Progress {
    return new Progress(flags.progress || (!flags.json && stream.isTTY === true), stream);
  }

  /** The stage being drawn, `''` when none. */
  get stage(): string {
    return this.stageName;
  }

  /** Starts a stage of `total` steps, ending the one before. `transient` stages leave no line. */
  start(name: string, total: number, unit: Unit, transient = false): void {
    if (!this.enabled) return;
    this.end();
    this.stageName = name;
    this.unit = unit;
    this.total = total;
    const bar = new cliProgress.SingleBar(
      {
        stream: this.stream,
        format,
        barsize: 20,
        // Neither hide the cursor nor turn off line wrapping (linewrap true trims to the width
        // instead): a Ctrl-C then leaves the terminal as it was.
        hideCursor: false,
        linewrap: true,
        // Off a terminal every draw is a line already: no blank line after it.
        clearOnComplete: transient || this.stream.isTTY !== true,
        noTTYOutput: true, // only reached with --progress on a non-terminal
        notTTYSchedule: 1000,
        etaBuffer: 20,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, { stage: name.padEnd(8), count: count(0, total, unit), metrics: '', done: false });
    this.bar = bar;
    live.add(this);
  }

  /** Moves the current stage to `value`, with optional metrics after the count. */
  update(value: number, extra = ''): void {
    this.bar?.update(value, { count: count(value, this.total, this.unit), metrics: extra });
  }

  /** Ends the current stage (drawn once more, then a newline unless transient). */
  end(): void {
    if (this.bar) {
      // Early stopping ends the select phase before its last epoch: say so rather than leave a stale ETA.
      const short = this.bar.getProgress() < 1 && this.unit === 'epochs';
      this.bar.update({ done: true, note: short ? ' (stopped early)' : '' });
    }
    this.bar?.stop();
    this.bar = undefined;
    this.stageName = '';
    live.delete(this);
  }

  /**
   * Training hooks that draw `features` (documents tokenised), then `select` and `refit` (epochs).
   * `plan` is the resolved options: the first phase and its epochs are known before it ends.
   */
  trainHooks(plan: {
    epochs: number;
    validationSplit: number;
  }): Pick<TrainHooks, 'onFeatures' | 'onEpochEnd'> {
    return {
      onFeatures: (done, total) => {
        if (this.stage !== 'features') this.start('features', total, 'docs');
        this.update(done);
        // As the trainer decides: a select phase only when the split holds at least one document.
        const select = Math.floor(total * plan.validationSplit) > 0;
        if (done === total) this.start(select ? 'select' : 'refit', plan.epochs, 'epochs');
      },
      onEpochEnd: (p) => {
        if (this.stage !== p.phase || this.total !== p.epochs) this.start(p.phase, p.epochs, 'epochs');
        this.update(p.epoch, metrics(p));
      },
    };
  }

  /** Draws a search: trials ended of those queued, with the best score so far. */
  trial(result: { id: string; status: string }, p: SearchProgress): void {
    if (!this.enabled) return;
    if (this.stage !== 'autotune' || this.total !== p.trialsTotal)
      this.start('autotune', p.trialsTotal, 'trials');
    const best = p.bestScore === null ? '' : `best ${p.metric} ${p.bestScore.toFixed(4)}`;
    this.update(p.trialsDone, `${best} (${result.id} ${result.status})`);
  }

  /**
   * Draws a remote job from its events: `queued`, then its phases' epochs; ends when it is done.
   * A job already done when first seen still shows its last phase, so every run ends the same way.
   */
  job(job: Job): void {
    if (!this.enabled) return;
    const p = job.progress;
    if (p) {
      const phase = p.phase ?? 'training';
      if (this.stage !== phase || this.total !== p.epochs) this.start(phase, p.epochs, 'epochs');
      this.update(p.epoch, metrics(p));
    } else if ((job.status === 'queued' || job.status === 'running') && this.stage !== job.status) {
      this.start(job.status, 1, '', true);
    }
    if (job.status !== 'queued' && job.status !== 'running') this.end();
  }
}
