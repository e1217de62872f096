/**
 * An answer's explanation: per returned label, the text as sent with its terms highlighted (towards
 * the label in blue, away from it in orange, stronger for a larger |weight|) and the terms' table.
 * The text is the user's: it only ever goes into text nodes.
 */
import type { Schemas } from './api';
import { h, num, table } from './dom';
import { maxWeight, segments, type ExplainedTerm } from './highlight';

type Explanation = NonNullable<Schemas['ClassifyResponse']['explanation']>;
type LabelExplanation = Explanation[number];

export function explanationView(text: string, explanation: Explanation): HTMLElement {
  return h(
    'section',
    { class: 'explanation' },
    h('h2', {}, 'Explanation'),
    h(
      'p',
      { class: 'muted small legend' },
      h('mark', { class: 'term-mark towards swatch' }, 'towards the label'),
      ' ',
      h('mark', { class: 'term-mark away swatch' }, 'away from it'),
      ' — the stronger the colour, the larger the term’s share of the score; where terms overlap, the strongest is shown.',
    ),
    ...(explanation.length
      ? explanation.map((e) => labelView(text, e))
      : [h('p', { class: 'muted' }, 'No label was returned, so there is nothing to explain.')]),
  );
}

function labelView(text: string, e: LabelExplanation): HTMLElement {
  return h(
    'div',
    { class: 'explained', 'data-label': e.label },
    h('h3', {}, 'Why “', e.label, '”'),
    highlighted(text, e.terms),
    e.terms.length
      ? termsTable(e.terms)
      : h('p', { class: 'muted small' }, 'None of the text’s terms is in the vocabulary.'),
  );
}

/** The text cut at every span boundary; each covered piece a `<mark>` of its strongest term. */
export function highlighted(text: string, terms: readonly ExplainedTerm[]): HTMLElement {
  const max = maxWeight(terms);
  const out = h('div', { class: 'explained-text' });
  for (const s of segments(text, terms)) {
    if (!s.term) {
      out.append(s.text);
      continue;
    }
    const { term, weight } = s.term;
    const share = max > 0 ? Math.abs(weight) / max : 0;
    const mark = h(
      'mark',
      {
        class: `term-mark ${weight >= 0 ? 'towards' : 'away'}`,
        'data-term': term,
        'data-weight': weight,
        title: `${term}: ${signed(weight)}`,
      },
      s.text,
    );
    // Through the CSSOM, like the heat map's cells (a strict style-src would still allow it).
    const alpha = 0.15 + 0.75 * share;
    mark.style.backgroundColor =
      weight >= 0 ? `rgba(37, 99, 235, ${alpha.toFixed(3)})` : `rgba(234, 88, 12, ${alpha.toFixed(3)})`;
    if (alpha > 0.6) mark.classList.add('dark');
    out.append(mark);
  }
  return out;
}

function termsTable(terms: readonly ExplainedTerm[]): HTMLElement {
  return table(
    ['Term', 'Weight', 'Direction', 'Occurrences'],
    terms.map((t) => [
      h('code', {}, t.term),
      h('span', { class: t.weight >= 0 ? 'towards-text' : 'away-text' }, signed(t.weight)),
      t.weight >= 0 ? 'towards' : 'away',
      t.spans.length,
    ]),
    'terms',
  );
}

function signed(w: number): string {
  return w > 0 ? `+${num(w)}` : w < 0 ? `−${num(-w)}` : '0';
}
