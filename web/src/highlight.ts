/**
 * Cutting a text into highlighted segments from an explanation's term spans. No DOM here, so the
 * tests run it in Node too.
 *
 * Spans are `[start, end)` UTF-16 offsets (JavaScript `slice` semantics) and may overlap: an n-gram
 * "stock market" and the word "market" inside it. The text is cut at every span boundary and each
 * piece takes the strongest (largest |weight|) term covering it; neighbouring pieces with the same
 * term are joined again, so a term that wins its whole span comes out as one segment.
 */

export interface ExplainedTerm {
  term: string;
  weight: number;
  spans: [number, number][];
}

export interface Segment<T extends ExplainedTerm = ExplainedTerm> {
  start: number;
  end: number;
  text: string;
  /** The strongest term covering the segment; undefined for plain text. */
  term?: T;
}

export function segments<T extends ExplainedTerm>(text: string, terms: readonly T[]): Segment<T>[] {
  const n = text.length;
  const clamp = (x: number) => Math.min(n, Math.max(0, Math.trunc(x)));
  const spans: { start: number; end: number; term: T }[] = [];
  const cuts = new Set([0, n]);
  for (const term of terms) {
    for (const [s, e] of term.spans) {
      const start = clamp(s);
      const end = clamp(e);
      if (!(start < end)) continue; // empty, reversed or not a number
      spans.push({ start, end, term });
      cuts.add(start).add(end);
    }
  }
  const points = [...cuts].sort((a, b) => a - b);
  const index = new Map(points.map((p, i) => [p, i]));
  // best[i]: the strongest term over [points[i], points[i + 1]).
  const best: (T | undefined)[] = new Array(Math.max(0, points.length - 1)).fill(undefined);
  for (const { start, end, term } of spans) {
    for (let i = index.get(start) ?? 0; (points[i] ?? n) < end; i++) {
      const held = best[i];
      if (!held || Math.abs(term.weight) > Math.abs(held.weight)) best[i] = term;
    }
  }
  const out: Segment<T>[] = [];
  for (let i = 0; i + 1 < points.length; i++) {
    const start = points[i] as number;
    const end = points[i + 1] as number;
    const term = best[i];
    const last = out[out.length - 1];
    if (last && last.term === term && last.end === start) last.end = end;
    else out.push(term ? { start, end, text: '', term } : { start, end, text: '' });
  }
  for (const s of out) s.text = text.slice(s.start, s.end);
  return out;
}

/** The largest |weight| among the terms (0 when there are none). */
export function maxWeight(terms: readonly ExplainedTerm[]): number {
  return terms.reduce((m, t) => Math.max(m, Math.abs(t.weight)), 0);
}
