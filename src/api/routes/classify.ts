import type { Schemas } from '../api-types.js';
import { locals, type Handler } from '../context.js';
import { assertTextSizes } from '../json-guard.js';

/** `POST /classify`: one text (`{text}`) or a batch (`{texts}`), answered in the matching shape. */
export const classify: Handler = async (c) => {
  const body = c.input.body as Schemas['ClassifyRequest'];
  const batch = 'texts' in body;
  const texts = batch ? body.texts : [body.text];
  assertTextSizes(texts, c.config.MAX_TEXT_BYTES, (i) => (batch ? `/body/texts/${i}` : '/body/text'));
  const opts: { version?: number; topK?: number; minProbability?: number } = {};
  if (body.version !== undefined) opts.version = body.version;
  if (body.topK !== undefined) opts.topK = body.topK;
  if (body.minProbability !== undefined) opts.minProbability = body.minProbability;
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
    scores: first.scores,
  };
  c.res.json(reply);
};
