/** Each text's answer in a bulk job: the shape `POST /classify` gives one text of a batch, plus its `id`. */
import type { BulkItem, BulkResult } from '../contract/index.js';
import type { Prediction, TextClassifier } from '../model/index.js';
import type { AnswerOptions } from './thread-protocol.js';

/** Texts per `predict` call: large enough to amortise the call, small enough to bound its memory. */
const BATCH = 256;

/**
 * One answer, exactly as the model server shapes it for `/classify` (`toResult` there): below the
 * cut-off a single label abstains (null), the scores still given; a multi-label model adds `labels`.
 */
export function toAnswer(
  id: string | undefined,
  p: Prediction,
  cutOff: number,
  multiLabel: boolean,
): BulkResult {
  const abstain = (p.scores[0]?.probability ?? 0) < cutOff;
  return {
    ...(id !== undefined ? { id } : {}),
    label: abstain ? null : p.label,
    ...(abstain ? { abstained: true } : {}),
    ...(multiLabel ? { multiLabel: true as const, labels: p.labels ?? [] } : {}),
    scores: p.scores,
  };
}

/** The NDJSON lines answering `items`, in order, classified `BATCH` texts at a time. */
export function answerLines(clf: TextClassifier, items: readonly BulkItem[], o: AnswerOptions): string[] {
  const lines: string[] = [];
  const multiLabel = clf.multiLabel;
  for (let i = 0; i < items.length; i += BATCH) {
    const batch = items.slice(i, i + BATCH);
    const predictions = clf.predict(
      batch.map((it) => it.text),
      o.topK,
      multiLabel ? o.threshold : undefined,
    );
    predictions.forEach((p, j) =>
      lines.push(JSON.stringify(toAnswer(batch[j]?.id, p, o.cutOff, multiLabel))),
    );
  }
  return lines;
}
