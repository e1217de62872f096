import type { ClassifyOptions } from '../../contract/index.js';
import { AppError } from '../../errors/index.js';
import type { Schemas } from '../api-types.js';
import { locals, type Handler } from '../context.js';
import { assertTextSizes } from '../json-guard.js';

/** Terms per direction when a request says `explain: true`. */
const DEFAULT_EXPLAIN_TERMS = 5;

function explainCap(texts: number, cap: number): AppError {
  const message = `explain is allowed on at most ${cap} texts per request (EXPLAIN_MAX_TEXTS); this one has ${texts}`;
  return new AppError('INVALID_REQUEST', `/body/explain ${message}`, {
    errors: [{ path: '/body/explain', message }],
  });
}

/** `POST /classify`: one text (`{text}`) or a batch (`{texts}`), answered in the matching shape. */
export const classify: Handler = async (c) => {
  const body = c.input.body as Schemas['ClassifyRequest'];
  const batch = 'texts' in body;
  const texts = batch ? body.texts : [body.text];
  assertTextSizes(texts, c.config.MAX_TEXT_BYTES, (i) => (batch ? `/body/texts/${i}` : '/body/text'));
  const opts: ClassifyOptions = {};
  if (body.version !== undefined) opts.version = body.version;
  if (body.topK !== undefined) opts.topK = body.topK;
  if (body.minProbability !== undefined) opts.minProbability = body.minProbability;
  if (body.threshold !== undefined) opts.threshold = body.threshold;
  if (body.routingKey !== undefined) opts.routingKey = body.routingKey;
  const explain = body.explain === true ? DEFAULT_EXPLAIN_TERMS : body.explain || undefined;
  if (explain !== undefined) {
    if (texts.length > c.config.EXPLAIN_MAX_TEXTS) throw explainCap(texts.length, c.config.EXPLAIN_MAX_TEXTS);
    opts.explain = explain;
  }
  const out = await c.deps.classifier.classify(body.model ?? 'default', texts, opts);
  locals(c.res).subject = { model: out.model, version: out.version };
  if (batch) {
    const reply: Schemas['ClassifyBatchResponse'] = {
      model: out.model,
      version: out.version,
      results: out.results,
    };
    c.res.json(reply);
    return;
  }
  const first = out.results[0];
  if (!first) throw new Error('classifier returned no result for one text');
  const reply: Schemas['ClassifyResponse'] = {
    model: out.model,
    version: out.version,
    label: first.label,
    ...(first.abstained ? { abstained: true } : {}),
    ...(first.multiLabel ? { multiLabel: true, labels: first.labels ?? [] } : {}),
    ...(first.explanation ? { explanation: first.explanation } : {}),
    scores: first.scores,
  };
  c.res.json(reply);
};
