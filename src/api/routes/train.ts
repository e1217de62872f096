import { AppError } from '../../errors/index.js';
import type { TrainingOptionsInput } from '../../contract/index.js';
import type { QueryOf, Schemas } from '../api-types.js';
import { locals, type Handler, type HandlerContext } from '../context.js';
import { assertTextSizes } from '../json-guard.js';
import { decodedBody, readNdjson } from '../ndjson.js';
import type { SpecValidator } from '../validate.js';

type Article = Schemas['Article'];

/** `POST /train`: stores the dataset (validated by the store), then queues the job. */
export function trainHandler(validator: SpecValidator): Handler {
  const articleErrors = validator.body('#/components/schemas/Article');
  return async (c) => {
    const { model, articles, options } = c.req.is('application/x-ndjson')
      ? await fromNdjson(c, articleErrors)
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
    const dataset = await c.deps.datasets.put(articles);
    const job = await c.deps.jobs.submit(model, dataset, options);
    locals(c.res).subject = { model, jobId: job.jobId };
    c.log.info(
      { jobId: job.jobId, model, documents: dataset.documents, dataset: dataset.hash },
      'training queued',
    );
    const body: Schemas['TrainAccepted'] = {
      jobId: job.jobId,
      model: job.model,
      status: 'queued',
      dataset: { hash: dataset.hash, documents: dataset.documents, labels: dataset.labels },
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
}

function fromJson(c: HandlerContext): TrainInput {
  const body = c.input.body as Schemas['TrainRequest'];
  return { model: body.model ?? 'default', articles: body.articles, options: body.options ?? {} };
}

async function fromNdjson(
  c: HandlerContext,
  articleErrors: (v: unknown) => { path: string; message: string }[],
) {
  const { model, ...options } = c.input.query as QueryOf<'train'>;
  const maxText = c.config.MAX_TEXT_BYTES;
  try {
    const articles = await readNdjson<Article>(
      decodedBody(c.req),
      { maxBytes: c.config.MAX_BODY_BYTES, maxDocuments: c.config.MAX_DOCUMENTS },
      (value) => {
        const errors = articleErrors(value).map((e) => ({
          ...e,
          path: e.path.replace(/^\/body/, '') || '/',
        }));
        if (errors.length === 0) assertTextSizes([(value as Article).text], maxText, () => '/text');
        return errors;
      },
    );
    return { model: model ?? 'default', articles, options } satisfies TrainInput;
  } catch (e) {
    // The rest of the upload is not read: answer now and close the connection rather than drain it.
    c.res.setHeader('Connection', 'close');
    c.req.unpipe();
    c.req.resume();
    throw e;
  }
}
