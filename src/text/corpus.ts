/** A data set read in batches, as often as needed, so that it never has to be in memory at once. */
import { isMultiLabel, type Article } from './dataset.js';

/**
 * Articles in a fixed order, handed out a batch at a time. Training walks it once to count the
 * vocabulary and the labels and builds its features on the way, so a corpus streamed from
 * compressed bytes never becomes an array of articles (for a million documents that array is
 * twice the data's size).
 */
export interface Corpus {
  /** Number of articles. */
  readonly documents: number;
  /** True when any article carries `labels` (trains a multi-label model). */
  readonly multiLabel: boolean;
  /**
   * Length of all texts together, in UTF-16 code units; absent when unknown (a data set stored
   * before it was recorded). Some defaults depend on how long the texts are.
   */
  readonly characters?: number;
  /** The articles in order, a batch at a time; each call starts again from the first. */
  batches(): AsyncIterable<readonly Article[]>;
}

/** Articles per batch of {@link arrayCorpus}: big enough that the async hop per batch is noise. */
const ARRAY_BATCH = 8192;

/** A corpus over articles already in memory. */
export function arrayCorpus(articles: readonly Article[]): Corpus {
  return {
    documents: articles.length,
    multiLabel: isMultiLabel(articles),
    characters: totalCharacters(articles),
    async *batches() {
      for (let i = 0; i < articles.length; i += ARRAY_BATCH) yield articles.slice(i, i + ARRAY_BATCH);
    },
  };
}

/** `data` as a corpus: itself, or {@link arrayCorpus} of an array. */
export function toCorpus(data: readonly Article[] | Corpus): Corpus {
  return Array.isArray(data) ? arrayCorpus(data) : (data as Corpus);
}

/** Every article of a corpus in one array (for the steps that need them all at once). */
export async function collectCorpus(corpus: Corpus): Promise<Article[]> {
  const out: Article[] = [];
  for await (const batch of corpus.batches()) for (const a of batch) out.push(a);
  return out;
}

/** Length of all the texts together, in UTF-16 code units (what some training defaults depend on). */
export function totalCharacters(articles: readonly { text: string }[]): number {
  let n = 0;
  for (const a of articles) n += a.text.length;
  return n;
}
