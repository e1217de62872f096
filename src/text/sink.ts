/**
 * Receives the pieces of a text in document order as the tokenizer cuts them. `tokenize` collects
 * them as strings; a vectoriser maps them straight to vocabulary ids without building the list.
 *
 * Offsets are UTF-16 code units into the string the piece was cut from: the run of normalised
 * text given to `word` (for `token` and `charBigram` too, though they are not given it), which
 * starts at the offset last passed to `run` in the whole normalised text. Sinks that do not need
 * positions ignore them.
 */
export interface TokenSink {
  /**
   * A word as cut (normalised, lower-cased), before stop-word removal and stemming (`wordToken`):
   * `text.slice(start, end)`, passed as offsets so a sink that knows the word need not copy it.
   */
  word(text: string, start: number, end: number): void;
  /** A finished token: `<url>`, a number or its `<numN>` shape, a currency symbol, a CJK word. */
  token(token: string, start: number, end: number): void;
  /** A CJK character bigram `#c:xy`: a term of its own, outside word n-grams; spans both characters. */
  charBigram(token: string, start: number, end: number): void;
  /** The pieces that follow are cut from the normalised text's run starting at `offset`. */
  run?(offset: number): void;
}
