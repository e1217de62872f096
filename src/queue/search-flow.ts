/**
 * An autotune job as a BullMQ flow: the training job is the parent, each trial a child job in the
 * same queue (any worker takes it). The parent waits in `waiting-children` until its rung's trials
 * have ended, then plans the next rung (more children) or trains the winner as the version.
 */
import { FlowProducer, type Job, type JobsOptions, type Queue } from 'bullmq';
import { firstRung, planSearch, type SearchSettings, type TrialSpec } from '../autotune/index.js';
import type { AutotuneReport, DatasetRef, TrainingOptionsInput } from '../contract/index.js';
import { AppError } from '../errors/index.js';
import type { TrainOptions } from '../training/index.js';
import type { TrainJobData } from './job-service.js';

/** BullMQ job name of a trial (the parent keeps the name `train`). */
export const TRIAL_JOB = 'trial';

/** Where a search stands, kept in the parent's job data. */
export interface SearchState {
  settings: SearchSettings;
  /** Most rungs (splits per configuration) this data set gets. */
  repeats: number;
  /** The rung whose trials the parent waits for. */
  rung: number;
  /** Trials queued so far, all rungs. */
  queued: number;
  /** Set once the winner is chosen: the final training runs with it and publishes this report. */
  report?: AutotuneReport;
}

/** A trial job's payload: references and settings only (the data set is read by hash). */
export interface TrialJobData {
  parentJobId: string;
  model: string;
  datasetHash: string;
  /** The options as submitted (fixed ones and the autotune settings). */
  options: TrainingOptionsInput;
  spec: TrialSpec;
  settings: SearchSettings;
  queued: number;
}

/**
 * A trial's job options. Its id is derived from the parent's and the trial's, so adding a rung
 * twice (a parent retried) queues nothing twice. A trial never fails its parent: its own errors
 * are results, and if BullMQ gives up on it (crashed workers) the parent goes on without it.
 */
function trialOptions(parentId: string, spec: TrialSpec): JobsOptions {
  return {
    jobId: `${parentId}-${spec.id}`,
    ignoreDependencyOnFailure: true,
    removeOnComplete: { age: 24 * 3600 },
    removeOnFail: { age: 24 * 3600 },
  };
}

function trialData(
  parentId: string,
  parent: TrainJobData,
  spec: TrialSpec,
  state: SearchState,
): TrialJobData {
  const { model, datasetHash, options } = parent;
  return {
    parentJobId: parentId,
    model,
    datasetHash,
    options,
    spec,
    settings: state.settings,
    queued: state.queued,
  };
}

/** Adds the parent job and its first rung's trials, atomically (one flow). */
export async function addSearchFlow(
  flow: FlowProducer,
  queue: Queue<TrainJobData>,
  parent: { data: TrainJobData & { search: SearchState }; opts: JobsOptions & { jobId: string } },
  trials: readonly TrialSpec[],
): Promise<void> {
  const { jobId } = parent.opts;
  await flow.add({
    name: 'train',
    queueName: queue.name,
    data: parent.data,
    opts: parent.opts,
    children: trials.map((spec) => ({
      name: TRIAL_JOB,
      queueName: queue.name,
      data: trialData(jobId, parent.data, spec, parent.data.search),
      opts: trialOptions(jobId, spec),
    })),
  });
}

/** Adds a later rung's trials as children of the running parent `job` (then it waits for them). */
export async function addRung(
  queue: Queue<TrainJobData | TrialJobData>,
  job: Job<TrainJobData>,
  trials: readonly TrialSpec[],
  state: SearchState,
): Promise<void> {
  const jobId = job.id as string;
  const parent = { id: jobId, queue: job.queueQualifiedName };
  await queue.addBulk(
    trials.map((spec) => ({
      name: TRIAL_JOB,
      data: trialData(jobId, job.data, spec, state),
      opts: { ...trialOptions(jobId, spec), parent },
    })),
  );
}

/** A flow producer on the queue's prefix and connection. */
export function searchFlowProducer(queue: Queue): FlowProducer {
  return new FlowProducer({ connection: queue.opts.connection, prefix: queue.opts.prefix });
}

/**
 * The search a submitted job runs: its state and first rung.
 * @throws AppError INVALID_OPTIONS (settings the data set cannot serve, or a base version)
 */
export function planSubmittedSearch(
  options: TrainingOptionsInput,
  dataset: Pick<DatasetRef, 'documents' | 'labels' | 'multiLabel' | 'characters'>,
  incremental: boolean,
): { state: SearchState; trials: TrialSpec[] } {
  if (incremental) {
    const message = 'autotune searches options a base version would fix: train without baseVersion';
    throw new AppError('INVALID_OPTIONS', message, { errors: [{ path: 'autotune', message }] });
  }
  const plan = planSearch(options, { ...dataset, labels: dataset.labels.length });
  const trials = firstRung(options, plan.settings, plan.seed, plan.defaults);
  return {
    state: { settings: plan.settings, repeats: plan.repeats, rung: 0, queued: trials.length },
    trials,
  };
}

/** The options whose model is the largest a search may publish (for the storage check). */
export function largestSearched(o: TrainOptions, given: TrainingOptionsInput): TrainOptions {
  return { ...o, hiddenUnits: given.hiddenUnits ?? 256, maxFeatures: given.maxFeatures ?? 400_000 };
}
