import { getJson, type Schemas } from '../api';
import { h, table, when } from '../dom';
import { href } from '../router';

/** `#/models`: every model with its latest version. */
export async function modelsPage(root: HTMLElement, _params: string[], signal: AbortSignal): Promise<void> {
  const { models } = await getJson<Schemas['ModelList']>('/models', signal);
  root.append(
    h('h1', {}, 'Models'),
    models.length
      ? table(
          ['Model', 'Latest', 'Versions', 'Updated', ''],
          models.map((m) => [
            h('a', { href: href('models', m.model), class: 'model-link' }, m.model),
            m.latest === null
              ? '–'
              : h('a', { href: href('models', m.model, 'v', m.latest) }, `version ${m.latest}`),
            m.versions,
            when(m.updatedAt),
            m.latest === null ? '' : h('a', { href: href('try', m.model) }, 'Try it'),
          ]),
          'models',
        )
      : h('p', { class: 'muted' }, 'No models yet. ', h('a', { href: href('train') }, 'Train one'), '.'),
  );
}
