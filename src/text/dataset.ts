import { AppError, type ErrorDetails } from '../errors/index.js';

/** A document with one label. Labels are opaque strings in any script and are never altered. */
export interface SingleLabelArticle {
  text: string;
  label: string;
}

/** A document with any number of labels (none = none of them applies), for multi-label models. */
export interface MultiLabelArticle {
  text: string;
  labels: string[];
}

/**
 * One labelled document. A data set in which any article carries `labels` trains a multi-label
 * model; there an article with `label` counts as `labels: [label]`.
 */
export type Article = SingleLabelArticle | MultiLabelArticle;

/** The labels an article carries: `labels`, or `[label]`. */
export function articleLabels(a: Article): readonly string[] {
  return 'labels' in a ? a.labels : [a.label];
}

/** Whether a data set trains a multi-label model: any of its articles has `labels`. */
export function isMultiLabel(data: readonly Article[]): boolean {
  return data.some((a) => 'labels' in a);
}

/** Limits applied by {@link validateArticles}. */
export interface DataLimits {
  /** Fewest examples a label may have (default 2). */
  minPerLabel?: number;
  /** Most distinct labels (default 1000). */
  maxLabels?: number;
  /** Largest text in UTF-8 bytes (default 1,000,000). */
  maxTextBytes?: number;
  /**
   * Label counts of the data set these articles extend (incremental training): they count towards
   * the label minimums and `maxLabels`, and the summary's labels and counts are those of both.
   */
  known?: Readonly<Record<string, number>>;
}

/** Where articles came from, for error messages: a file name, and the file line of each article. */
export interface ArticleSource {
  file: string;
  /** `lines[i]` is the 1-based line of article `i` (from {@link parseJsonLinesWithLines}). */
  lines?: readonly number[];
}

/** What a valid data set contains. */
export interface DataSummary {
  documents: number;
  /** Whether it trains a multi-label model (any article has `labels`). */
  multiLabel: boolean;
  /** Length of all texts together, in UTF-16 code units (some defaults depend on it). */
  characters: number;
  /** Distinct labels, sorted by code unit. */
  labels: string[];
  counts: Record<string, number>;
}

function fileError(source: string, line: number, problem: string): AppError {
  return new AppError('INVALID_FILE', `${source}:${line}: ${problem}`, { file: source, line });
}

function checkField(obj: Record<string, unknown>, name: string, source: string, line: number): string {
  if (!(name in obj)) throw fileError(source, line, `missing field "${name}"`);
  const v = obj[name];
  if (typeof v !== 'string') throw fileError(source, line, `"${name}" must be a string`);
  return v;
}

function lineArticle(obj: Record<string, unknown>, source: string, line: number): Article {
  const text = checkField(obj, 'text', source, line);
  if (!('labels' in obj)) return { text, label: checkField(obj, 'label', source, line) };
  if ('label' in obj) throw fileError(source, line, 'give "label" or "labels", not both');
  const labels = obj.labels;
  const problem = labelsProblem(labels);
  if (problem) throw fileError(source, line, problem);
  return { text, labels: labels as string[] };
}

/**
 * One line of a JSON Lines file: its article, or undefined for a blank line. Throws
 * `AppError('INVALID_FILE', '<source>:<line>: ...')`.
 */
export function parseJsonLine(raw: string, source: string, line: number): Article | undefined {
  if (raw.trim() === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (err) {
    throw fileError(source, line, `invalid JSON (${(err as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw fileError(source, line, 'expected a JSON object');
  return lineArticle(value as Record<string, unknown>, source, line);
}

/**
 * Parses JSON Lines of `{"text": ..., "label": ...}` or `{"text": ..., "labels": [...]}` (other fields ignored, blank lines skipped) and
 * returns each article with its 1-based line number. Throws `AppError('INVALID_FILE', '<source>:<line>: ...')`.
 */
export function parseJsonLinesWithLines(
  content: string,
  source: string,
): { articles: Article[]; lines: number[] } {
  const articles: Article[] = [];
  const lines: number[] = [];
  content
    .replace(/^\uFEFF/, '')
    .split('\n')
    .forEach((raw, i) => {
      const article = parseJsonLine(raw, source, i + 1);
      if (!article) return;
      articles.push(article);
      lines.push(i + 1);
    });
  return { articles, lines };
}

/** Parses JSON Lines of articles; see {@link parseJsonLinesWithLines}. */
export function parseJsonLines(content: string, source: string): Article[] {
  return parseJsonLinesWithLines(content, source).articles;
}

/** Error for article `index`: names the file line when known, else the 0-based index. */
function dataError(
  code: 'INVALID_DATA' | 'PAYLOAD_TOO_LARGE',
  index: number,
  problem: string,
  src?: ArticleSource,
  line = src?.lines?.[index],
): AppError {
  const details: ErrorDetails = line !== undefined ? { line, index } : { index };
  if (src) details.file = src.file;
  const where =
    line !== undefined ? `${src?.file}:${line}` : src ? `${src.file}: article ${index}` : `article ${index}`;
  return new AppError(code, `${where}: ${problem}`, details);
}

/** Error about the data set as a whole (labels), prefixed with the file when known. */
function setError(
  code: 'INVALID_DATA' | 'TOO_MANY_LABELS',
  problem: string,
  src?: ArticleSource,
  extra = {},
) {
  const details: ErrorDetails = { ...extra };
  if (src) details.file = src.file;
  return new AppError(code, src ? `${src.file}: ${problem}` : problem, details);
}

/** What is wrong with a `labels` value, if anything: an array of distinct non-empty strings. */
export function labelsProblem(labels: unknown): string | undefined {
  if (!Array.isArray(labels)) return '"labels" must be an array of strings';
  const seen = new Set<string>();
  for (const [j, l] of labels.entries()) {
    if (typeof l !== 'string') return `"labels"[${j}] must be a string`;
    if (l.trim() === '') return `"labels"[${j}] is empty`;
    if (seen.has(l)) return `"labels" repeats ${JSON.stringify(l)}`;
    seen.add(l);
  }
  return undefined;
}

/** The article's labels after its checks (text, label or labels, size). */
function checkArticle(
  a: unknown,
  i: number,
  maxTextBytes: number,
  src?: ArticleSource,
  line?: number,
): readonly string[] {
  const fail = (code: 'INVALID_DATA' | 'PAYLOAD_TOO_LARGE', problem: string) =>
    dataError(code, i, problem, src, line ?? src?.lines?.[i]);
  if (typeof a !== 'object' || a === null) throw fail('INVALID_DATA', 'not an object');
  const { text, label, labels } = a as Record<string, unknown>;
  if (typeof text !== 'string') throw fail('INVALID_DATA', '"text" must be a string');
  if (text.trim() === '') throw fail('INVALID_DATA', 'text is empty');
  // length <= bytes <= 3 * length for UTF-16 -> UTF-8, so most texts skip the byte count.
  if (
    text.length > maxTextBytes ||
    (text.length * 3 > maxTextBytes && Buffer.byteLength(text) > maxTextBytes)
  )
    throw fail('PAYLOAD_TOO_LARGE', `text is larger than ${maxTextBytes} bytes`);
  if (labels !== undefined) {
    if (label !== undefined) throw fail('INVALID_DATA', 'give "label" or "labels", not both');
    const problem = labelsProblem(labels);
    if (problem) throw fail('INVALID_DATA', problem);
    return labels as string[];
  }
  if (typeof label !== 'string') throw fail('INVALID_DATA', '"label" must be a string');
  if (label.trim() === '') throw fail('INVALID_DATA', 'label is empty');
  return [label];
}

/**
 * Checks a training set: every text and label a non-empty string (`labels`: an array of distinct
 * ones, possibly empty; never both `label` and `labels`), texts within `maxTextBytes`
 * (`PAYLOAD_TOO_LARGE`), at most `maxLabels` labels (`TOO_MANY_LABELS`), at least 2 labels and
 * `minPerLabel` examples per label (`INVALID_DATA`; in multi-label data, articles carrying it).
 * Errors name the article by file line (`details.line`,
 * when `source.lines` is given) or by 0-based `details.index`. Labels are compared exactly, never trimmed;
 * a whitespace-only label counts as empty.
 */
export function validateArticles(
  articles: readonly unknown[],
  limits: DataLimits = {},
  source?: string | ArticleSource,
): DataSummary {
  const validator = new DataValidator(limits, source);
  for (const a of articles) validator.add(a);
  return validator.finish();
}

/**
 * {@link validateArticles} one article at a time, for data streamed past (a file read line by
 * line): the same checks and errors, without holding the articles.
 */
export class DataValidator {
  private readonly minPerLabel: number;
  private readonly maxLabels: number;
  private readonly maxTextBytes: number;
  private readonly src?: ArticleSource;
  private readonly counts: Map<string, number>;
  private documents = 0;
  private characters = 0;
  private multiLabel = false;

  constructor(limits: DataLimits = {}, source?: string | ArticleSource) {
    this.minPerLabel = limits.minPerLabel ?? 2;
    this.maxLabels = limits.maxLabels ?? 1000;
    this.maxTextBytes = limits.maxTextBytes ?? 1_000_000;
    this.src = typeof source === 'string' ? { file: source } : source;
    this.counts = new Map<string, number>(Object.entries(limits.known ?? {}));
  }

  /** Checks the next article; `line` is its file line when known (else `source.lines`, or none). */
  add(a: unknown, line?: number): void {
    const { counts, src } = this;
    for (const label of checkArticle(a, this.documents, this.maxTextBytes, src, line)) {
      counts.set(label, (counts.get(label) ?? 0) + 1);
      if (counts.size > this.maxLabels)
        throw setError('TOO_MANY_LABELS', `more than ${this.maxLabels} distinct labels`, src, {
          maxLabels: this.maxLabels,
        });
    }
    this.documents++;
    this.characters += (a as Article).text.length;
    if ('labels' in (a as object)) this.multiLabel = true;
  }

  /** The summary, once every article was added; the label checks of the whole set. */
  finish(): DataSummary {
    const { counts, src } = this;
    if (counts.size < 2) {
      const found =
        counts.size === 0 ? 'no articles' : `only the label ${JSON.stringify([...counts.keys()][0])}`;
      throw setError('INVALID_DATA', `at least 2 distinct labels are needed, found ${found}`, src);
    }
    const labels = [...counts.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const label of labels) {
      const n = counts.get(label) as number;
      if (n < this.minPerLabel)
        throw setError(
          'INVALID_DATA',
          `label ${JSON.stringify(label)} has ${n} example${n === 1 ? '' : 's'}, at least ${this.minPerLabel} are needed`,
          src,
          { label, count: n },
        );
    }
    return {
      documents: this.documents,
      multiLabel: this.multiLabel,
      characters: this.characters,
      labels,
      counts: Object.fromEntries(labels.map((l) => [l, counts.get(l) as number])),
    };
  }
}

/** Parses and validates a JSON Lines file in one go, so errors name the real file line. */
export function readArticles(
  content: string,
  source: string,
  limits: DataLimits = {},
): { articles: Article[]; summary: DataSummary } {
  const { articles, lines } = parseJsonLinesWithLines(content, source);
  return { articles, summary: validateArticles(articles, limits, { file: source, lines }) };
}
