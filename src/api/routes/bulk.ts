import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { BulkItem, BulkOptions, BulkUpload } from '../../contract/index.js';
import type { PathOf, QueryOf, Schemas } from '../api-types.js';
import { locals, type Handler, type HandlerContext } from '../context.js';
import { assertTextSizes } from '../json-guard.js';
import { decodedBody, readNdjsonBatches } from '../ndjson.js';
import type { SpecValidator } from '../validate.js';

type FieldErrors = (v: unknown) => { path: string; message: string }[];

/** One line's checks: the `BulkItem` schema (paths relative to the line), then its text's size (413). */
function itemCheck(c: HandlerContext, itemErrors: FieldErrors): FieldErrors {
  const maxText = c.config.MAX_TEXT_BYTES;
  return (value) => {
    const errors = itemErrors(value).map((e) => ({ ...e, path: e.path.replace(/^\/body/, '') || '/' }));
    if (errors.length === 0) assertTextSizes([(value as BulkItem).text], maxText, () => '/text');
    return errors;
  };
}

/**
 * `POST /classify/jobs`: resolves and pins the version first (404 before reading the body), then
 * stores the texts chunk by chunk as they stream in, then queues the job. On a bad line or an
 * aborted body everything stored goes, nothing is queued, and the rest of the upload is not read.
 */
export function submitBulkHandler(validator: SpecValidator): Handler {
  const itemErrors = validator.body('#/components/schemas/BulkItem');
  return async (c) => {
    const { model = 'default', ...query } = c.input.query as QueryOf<'submitBulkJob'>;
    const opts: BulkOptions = query;
    const limits = { maxBytes: c.config.MAX_BODY_BYTES, maxDocuments: c.config.MAX_DOCUMENTS };
    let upload: BulkUpload | undefined;
    try {
      upload = await c.deps.bulk.open(model, opts);
      const into = upload;
      const check = itemCheck(c, itemErrors);
      await readNdjsonBatches<BulkItem>(
        decodedBody(c.req),
        limits,
        check,
        c.config.BULK_CHUNK_LINES,
        (items) => into.write(items),
      );
    } catch (e) {
      await upload?.abort().catch((err: unknown) => c.log.warn({ err }, 'could not drop a bulk upload'));
      c.res.setHeader('Connection', 'close');
      c.req.unpipe();
      c.req.resume();
      throw e;
    }
    const job = await upload.commit();
    locals(c.res).subject = { model, version: job.version, jobId: job.jobId };
    c.log.info(
      { jobId: job.jobId, model, version: job.version, texts: job.progress.total },
      'bulk job queued',
    );
    const body: Schemas['BulkJobAccepted'] = {
      jobId: job.jobId,
      model: job.model,
      version: job.version,
      status: 'queued',
    };
    c.res
      .status(202)
      .location(`/classify/jobs/${encodeURIComponent(job.jobId)}`)
      .json(body);
  };
}

/** `GET /classify/jobs/{jobId}` */
export const getBulkJob: Handler = async (c) => {
  const { jobId } = c.input.path as PathOf<'getBulkJob'>;
  const body: Schemas['BulkJob'] = await c.deps.bulk.get(jobId);
  c.res.json(body);
};

/** `DELETE /classify/jobs/{jobId}` */
export const cancelBulkJob: Handler = async (c) => {
  const { jobId } = c.input.path as PathOf<'cancelBulkJob'>;
  const body: Schemas['BulkJob'] = await c.deps.bulk.cancel(jobId);
  c.log.info({ jobId }, 'bulk job cancelled');
  c.res.json(body);
};

/**
 * `GET /classify/jobs/{jobId}/results`: the stored result chunks one after another, with the
 * response's backpressure (one chunk in memory at a time). A chunk gone mid-stream (expired) cuts
 * the connection, so the client sees a broken answer rather than a short one.
 */
export const getBulkResults: Handler = async (c) => {
  const { jobId } = c.input.path as PathOf<'getBulkResults'>;
  const chunks = await c.deps.bulk.results(jobId);
  c.res.status(200).setHeader('Content-Type', 'application/x-ndjson; charset=utf-8');
  try {
    await pipeline(Readable.from(chunks, { objectMode: false }), c.res);
  } catch (err) {
    if (!c.res.headersSent) throw err;
    c.log.warn({ jobId, err: (err as Error).message }, 'bulk results stream ended early');
    c.res.destroy();
  }
};
