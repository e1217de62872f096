/** What a value past the cap reports as. */
export const OTHER = '_other';

/**
 * Label values from users (model names, predicted labels), bounded: the first `max` distinct
 * values keep their own series, later ones report as `_other`. A model with 1,000 labels thus
 * costs at most `max` + 1 series per version, whatever it predicts.
 */
export class BoundedValues {
  private readonly seen = new Set<string>();

  constructor(private readonly max: number) {}

  value(v: string): string {
    if (this.seen.has(v)) return v;
    if (this.seen.size >= this.max) return OTHER;
    this.seen.add(v);
    return v;
  }
}
