import { apiFetch, type Schemas } from '../api';
import { h, replace } from '../dom';
import { problemView } from '../problem';
import { go } from '../router';

interface OptionField {
  name: keyof Schemas['TrainingOptions'];
  label: string;
  min: number;
  max: number;
  step: string;
  hint: string;
}

/** The training options of openapi.yaml (`TrainingOptions`), sent as query parameters. */
const OPTIONS: OptionField[] = [
  { name: 'epochs', label: 'Epochs', min: 1, max: 500, step: '1', hint: 'most epochs, default 30' },
  { name: 'hiddenUnits', label: 'Hidden units', min: 1, max: 4096, step: '1', hint: 'default 32' },
  { name: 'learningRate', label: 'Learning rate', min: 0, max: 1, step: 'any', hint: 'default 0.005' },
  { name: 'batchSize', label: 'Batch size', min: 1, max: 8192, step: '1', hint: 'default 32' },
  { name: 'ngramMax', label: 'Longest n-gram', min: 1, max: 3, step: '1', hint: 'default 2' },
  { name: 'maxFeatures', label: 'Max features', min: 1, max: 2000000, step: '1', hint: 'default 200000' },
  { name: 'minDf', label: 'Min document frequency', min: 1, max: 1000, step: '1', hint: 'default 1' },
  { name: 'validationSplit', label: 'Validation split', min: 0, max: 0.5, step: 'any', hint: 'default 0.1' },
  { name: 'seed', label: 'Seed', min: 0, max: 4294967295, step: '1', hint: 'default 42' },
];

/** The body's content type from the file name: CSV, else JSON Lines. */
export function contentTypeFor(fileName: string): string {
  return /\.csv$/i.test(fileName) ? 'text/csv' : 'application/x-ndjson';
}

/**
 * `#/train`: upload a JSON Lines or CSV file as the body of `POST /train`, with the model name and
 * options in the query; on 202 go to the job's progress.
 */
export function trainPage(root: HTMLElement): void {
  const submit = h('button', { type: 'submit' }, 'Upload and train');
  const messages = h('div', { 'aria-live': 'polite' });
  const form = trainForm(submit);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const data = new FormData(form);
    const file = data.get('file');
    if (!(file instanceof File) || !file.name) return;
    // Every other field is a query parameter; empty ones are left to the trainer's defaults.
    const query = new URLSearchParams();
    for (const [name, value] of data) {
      if (name !== 'file' && typeof value === 'string' && value.trim()) query.set(name, value.trim());
    }
    submit.disabled = true;
    replace(messages, h('p', { class: 'muted' }, `Uploading ${file.name}…`));
    void upload(file, query, messages).finally(() => (submit.disabled = false));
  });
  root.append(h('h1', {}, 'Train'), form, messages);
}

function trainForm(submit: HTMLButtonElement): HTMLFormElement {
  const accept = '.jsonl,.ndjson,.csv,text/csv,application/x-ndjson';
  const file = h('input', { id: 'train-file', name: 'file', type: 'file', required: true, accept });
  const model = h('input', {
    id: 'train-model',
    name: 'model',
    required: true,
    pattern: '[a-z0-9][a-z0-9_-]{0,63}',
    value: 'default',
  });
  const options = OPTIONS.map((o) => {
    const attrs = { id: `opt-${o.name}`, name: o.name, type: 'number', placeholder: o.hint };
    const input = h('input', { ...attrs, min: o.min, max: o.max, step: o.step });
    return field(o.label, input, attrs.id);
  });
  return h(
    'form',
    { class: 'stack', id: 'train-form' },
    field(
      'Training file',
      file,
      'train-file',
      'JSON Lines ({"text": …, "label": …} per line) or CSV with a text,label header',
    ),
    field('Model name', model, 'train-model', 'lower-case letters, digits, - and _'),
    h('details', {}, h('summary', {}, 'Training options'), h('div', { class: 'grid' }, ...options)),
    h('div', {}, submit),
  );
}

async function upload(file: File, query: URLSearchParams, messages: HTMLElement): Promise<void> {
  try {
    const res = await apiFetch(`/train?${query}`, {
      method: 'POST',
      headers: { 'content-type': contentTypeFor(file.name) },
      body: file,
    });
    const accepted = (await res.json()) as Schemas['TrainAccepted'];
    go('jobs', accepted.jobId);
  } catch (e) {
    replace(messages, problemView(e));
  }
}

function field(label: string, input: HTMLElement, id: string, hint?: string): HTMLElement {
  return h(
    'div',
    { class: 'field' },
    h('label', { for: id }, label),
    input,
    hint ? h('small', { class: 'muted' }, hint) : null,
  );
}
