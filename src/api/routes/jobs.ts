import type { PathOf, QueryOf, Schemas } from '../api-types.js';
import { toJob } from '../api-types.js';
import type { Handler } from '../context.js';

/** `GET /jobs?model=&limit=` */
export const listJobs: Handler = async (c) => {
  const { model, limit } = c.input.query as QueryOf<'listJobs'>;
  const jobs = await c.deps.jobs.list({ ...(model ? { model } : {}), limit: limit ?? 50 });
  const body: Schemas['JobList'] = { jobs: jobs.map(toJob) };
  c.res.json(body);
};

/** `GET /jobs/{jobId}` */
export const getJob: Handler = async (c) => {
  const { jobId } = c.input.path as PathOf<'getJob'>;
  const [job, history] = await Promise.all([c.deps.jobs.get(jobId), c.deps.jobs.history(jobId)]);
  const body: Schemas['Job'] = { ...toJob(job), history };
  c.res.json(body);
};

/** `DELETE /jobs/{jobId}` */
export const cancelJob: Handler = async (c) => {
  const { jobId } = c.input.path as PathOf<'cancelJob'>;
  const job = await c.deps.jobs.cancel(jobId);
  c.log.info({ jobId }, 'job cancelled');
  c.res.json(toJob(job));
};
