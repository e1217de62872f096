/**
 * The worker's side of an autotune job: running one trial (a child job), and the parent's step
 * between rungs (queue the next rung, or choose the winner and let the training go on).
 */
import { WaitingChildrenError, type Job, type Queue } from 'bullmq';
import {
  best,
  finalOptions,
  workerName,
  nextRung,
  searchProgress,
  searchReport,
  type TrialResult,
} from '../autotune/index.js';
import { ownBytes } from '../common/index.js';
import type { Logger } from '../log/index.js';
import type { TrainJobData } from './job-service.js';
import { JobRecord } from './job-record.js';
import { CancelWatch } from './cancel-watch.js';
import { addRung, type SearchState, type TrialJobData } from './search-flow.js';
import type { TrialThreads } from './trial-runner.js';
import type { TrainingWorkerDeps } from './training-worker.js';

const TERMINAL = new Set(['succeeded', 'failed', 'cancelled']);

/** Runs a trial job: scores its configuration, adds the result to the search and its progress. */
export async function processTrial(
  deps: TrainingWorkerDeps,
  threads: TrialThreads,
  job: Job<TrialJobData>,
): Promise<TrialResult> {
  const { parentJobId, spec, settings } = job.data;
  const parent = new JobRecord(deps.jobs, parentJobId);
  const log = deps.logger.child({ jobId: parentJobId, trial: spec.id });
  // A worker that stored this trial's result and died before BullMQ marked the job done leaves
  // the result behind: the re-run takes it rather than training the trial again.
  const stored = await deps.search.result(parentJobId, spec.id);
  if (stored) {
    log.info({ status: stored.status }, 'autotune trial already ended before a crash; its result stands');
    return stored;
  }
  const view = await parent.view();
  const deadline = await deps.search.deadline(parentJobId, settings.budgetSeconds);
  let result: TrialResult;
  if (TERMINAL.has(view.status)) {
    result = { ...spec, status: 'cancelled', seconds: 0 };
  } else if (Date.now() >= deadline) {
    // Spent before it started: no data set read, no thread.
    result = {
      ...spec,
      status: 'skipped',
      seconds: 0,
      worker: workerName(),
      startedAt: new Date().toISOString(),
    };
  } else {
    if (view.status === 'queued')
      await deps.jobs.update(parentJobId, { status: 'running', startedAt: new Date().toISOString() });
    result = await scoreInThread(deps, threads, job.data, deadline, parent);
  }
  const all = await deps.search.record(parentJobId, result);
  const progress = searchProgress(settings, all, job.data.queued);
  await deps.jobs.update(parentJobId, { search: JSON.stringify(progress) }).catch((err: unknown) => {
    log.warn({ err }, 'could not record the search progress');
  });
  log.info({ status: result.status, score: result.score, seconds: result.seconds }, 'autotune trial ended');
  return result;
}

/** The trial in a warm trial thread, stopped when its parent job is cancelled. */
async function scoreInThread(
  deps: TrainingWorkerDeps,
  threads: TrialThreads,
  data: TrialJobData,
  deadline: number,
  parent: JobRecord,
): Promise<TrialResult> {
  const watch = await CancelWatch.start(deps.hub, deps.keys, parent, deps.cancelPollMs ?? 2000);
  try {
    const { datasetHash, options, spec } = data;
    const request = { datasetHash, options, spec, metric: data.settings.metric, deadline };
    // The data set is read from Redis only when the thread does not hold it from an earlier trial.
    const thread = await threads.run(request, async () => ownBytes(await deps.datasets.loadRaw(datasetHash)));
    await watch.attach(thread);
    return await thread.result;
  } finally {
    await watch.stop();
  }
}

/**
 * The parent's step once a rung's trials have ended: queue the next rung and wait for it
 * (throws BullMQ's WaitingChildrenError, which ends this processing without ending the job), or
 * choose the winner, put its options and the report in the job's data, and return so the job
 * trains it as any other.
 */
export async function searchStep(
  deps: TrainingWorkerDeps,
  queue: Queue<TrainJobData | TrialJobData>,
  job: Job<TrainJobData>,
  token: string | undefined,
  log: Logger,
): Promise<void> {
  const jobId = job.id as string;
  let results: TrialResult[];
  for (;;) {
    const state = job.data.search as SearchState;
    results = await deps.search.results(jobId);
    const deadline = await deps.search.deadline(jobId, state.settings.budgetSeconds);
    const next = Date.now() < deadline ? nextRung(results, state.rung, state.repeats) : [];
    if (next.length === 0 || !token) break;
    const moved: SearchState = { ...state, rung: state.rung + 1, queued: state.queued + next.length };
    await addRung(queue, job, next, moved);
    await job.updateData({ ...job.data, search: moved });
    log.info({ rung: moved.rung, trials: next.length }, 'autotune: next rung queued');
    // False when the new trials have all ended already (skipped at the deadline): go on at once.
    if (await job.moveToWaitingChildren(token)) throw new WaitingChildrenError();
  }
  const state = job.data.search as SearchState;
  const winner = best(results, state.settings.minGain);
  const report = searchReport(state.settings, state.repeats, results);
  const options = finalOptions(job.data.options, winner?.options ?? {});
  await job.updateData({ ...job.data, options, search: { ...state, report } });
  log.info({ best: winner, wallSeconds: report.wallSeconds }, 'autotune: search done, training the best');
}
