/**
 * Receives the pieces of a text in document order as the tokenizer cuts them. `tokenize` collects
 * them as strings; a vectoriser maps them straight to vocabulary ids without building the list.
 */
export interface TokenSink {
  /**
   * A word as cut (normalised, lower-cased), before stop-word removal and stemming (`wordToken`):
   * `text.slice(start, end)`, passed as offsets so a sink that knows the word need not copy it.
   */
  word(text: string, start: number, end: number): void;
  /** A finished token: `<url>`, a number or its `<numN>` shape, a currency symbol, a CJK word. */
  token(token: string): void;
  /** A CJK character bigram `#c:xy`: a term of its own, outside word n-grams. */
  charBigram(token: string): void;
}
