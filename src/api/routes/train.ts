import { AppError } from '../../errors/index.js';
import type { TrainingOptionsInput } from '../../contract/index.js';
import { readCsvArticles } from '../../text/index.js';
import type { QueryOf, Schemas } from '../api-types.js';
import { locals, type Handler, type HandlerContext } from '../context.js';
import { assertTextSizes } from '../json-guard.js';
import { decodedBody, readNdjson } from '../ndjson.js';
import type { SpecValidator } from '../validate.js';

type Article = Schemas['Article'];
type FieldErrors = (v: unknown) => { path: string; message: string }[];

/** `POST /train`: stores the dataset (validated by the store), then queues the job. */
export function trainHandler(validator: SpecValidator): Handler {
  const articleErrors = validator.body('#/components/schemas/Article');
  return async (c) => {
    const { model, articles, options, baseVersion } = c.req.is('application/x-ndjson')
      ? await fromNdjson(c, articleErrors)
      : c.req.is('text/csv')
        ? await fromCsv(c, articleErrors)
        : fromJson(c);
    if (articles.length > c.config.MAX_DOCUMENTS) {
      throw new AppError('PAYLOAD_TOO_LARGE', `More than ${c.config.MAX_DOCUMENTS} articles`, {
        limit: c.config.MAX_DOCUMENTS,
      });
    }
    assertTextSizes(
      articles.map((a) => a.text),
      c.config.MAX_TEXT_BYTES,
      (i) => `/body/articles/${i}/text`,
    );
    // The base version and the options carried over are checked before anything is stored.
    const multiLabel = articles.some((a) => a.labels !== undefined);
    const base =
      baseVersion === undefined
        ? undefined
        : await c.deps.jobs.resolveBase(model, baseVersion, options, multiLabel);
    const dataset = base ? await c.deps.datasets.extend(base, articles) : await c.deps.datasets.put(articles);
    const job = await c.deps.jobs.submit(model, dataset, options, base);
    locals(c.res).subject = { model, jobId: job.jobId };
    c.log.info(
      { jobId: job.jobId, model, documents: dataset.documents, dataset: dataset.hash, baseVersion },
      'training queued',
    );
    const body: Schemas['TrainAccepted'] = {
      jobId: job.jobId,
      model: job.model,
      status: 'queued',
      dataset: {
        hash: dataset.hash,
        documents: dataset.documents,
        labels: dataset.labels,
        multiLabel: dataset.multiLabel,
        ...(dataset.chunks ? { chunks: dataset.chunks } : {}),
      },
      ...(base ? { baseVersion: base.version } : {}),
    };
    c.res
      .status(202)
      .location(`/jobs/${encodeURIComponent(job.jobId)}`)
      .json(body);
  };
}

interface TrainInput {
  model: string;
  articles: Article[];
  options: TrainingOptionsInput;
  /** Incremental retraining: the version to train on top of. */
  baseVersion?: number;
}

function fromJson(c: HandlerContext): TrainInput {
  const body = c.input.body as Schemas['TrainRequest'];
  const input = { model: body.model ?? 'default', articles: body.articles, options: body.options ?? {} };
  return body.baseVersion === undefined ? input : { ...input, baseVersion: body.baseVersion };
}

/**
 * One streamed article's checks: the `Article` schema (paths relative to the article), then its
 * text's size (thrown as PAYLOAD_TOO_LARGE). Shared by NDJSON and CSV so both refuse the same rows.
 */
function articleCheck(c: HandlerContext, articleErrors: FieldErrors): FieldErrors {
  const maxText = c.config.MAX_TEXT_BYTES;
  return (value) => {
    const errors = articleErrors(value).map((e) => ({
      ...e,
      path: e.path.replace(/^\/body/, '') || '/',
    }));
    if (errors.length === 0) assertTextSizes([(value as Article).text], maxText, () => '/text');
    return errors;
  };
}

/**
 * Reads a streamed body (model and options from the query). On an error the rest of the upload is
 * not read: the answer goes out now and the connection is closed rather than drained.
 */
async function streamed(c: HandlerContext, read: () => Promise<Article[]>): Promise<TrainInput> {
  const { model, baseVersion, autotuneSeconds, autotuneTrials, autotuneMetric, ...rest } = c.input
    .query as QueryOf<'train'>;
  const autotune = {
    ...(autotuneSeconds === undefined ? {} : { budgetSeconds: autotuneSeconds }),
    ...(autotuneTrials === undefined ? {} : { trials: autotuneTrials }),
    ...(autotuneMetric === undefined ? {} : { metric: autotuneMetric }),
  };
  const options = Object.keys(autotune).length > 0 ? { ...rest, autotune } : rest;
  try {
    const input = { model: model ?? 'default', articles: await read(), options };
    return baseVersion === undefined ? input : { ...input, baseVersion };
  } catch (e) {
    c.res.setHeader('Connection', 'close');
    c.req.unpipe();
    c.req.resume();
    throw e;
  }
}

function fromNdjson(c: HandlerContext, articleErrors: FieldErrors): Promise<TrainInput> {
  const limits = { maxBytes: c.config.MAX_BODY_BYTES, maxDocuments: c.config.MAX_DOCUMENTS };
  return streamed(c, () => readNdjson<Article>(decodedBody(c.req), limits, articleCheck(c, articleErrors)));
}

/** `text/csv`: a header with `text` and `label` columns, one article per row (src/text/csv.ts). */
function fromCsv(c: HandlerContext, articleErrors: FieldErrors): Promise<TrainInput> {
  return streamed(c, async () => {
    const { articles } = await readCsvArticles(decodedBody(c.req), {
      maxBytes: c.config.MAX_BODY_BYTES,
      maxDocuments: c.config.MAX_DOCUMENTS,
      check: articleCheck(c, articleErrors),
    });
    if (articles.length === 0) {
      throw new AppError('INVALID_REQUEST', 'The CSV body has no documents', {
        errors: [{ path: '/body', message: 'must contain at least one row after the header' }],
      });
    }
    return articles;
  });
}
