/**
 * The textclf dashboard: a single page served by every API process at `/`, talking to the same
 * API with the key typed into it. Everything is bundled (no CDN) and there is no inline script, so
 * it runs under the API's `script-src 'self'` CSP.
 */
import './base.css';
import './parts.css';
import { apiKey, setApiKey } from './api';
import { jobPage } from './pages/job';
import { jobsPage } from './pages/jobs';
import { modelPage } from './pages/model';
import { modelsPage } from './pages/models';
import { trainPage } from './pages/train';
import { tryPage } from './pages/try';
import { comparePage, versionPage } from './pages/version';
import { Router } from './router';

function byId<T extends HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`index.html has no #${id}`);
  return el as T;
}

const router = new Router(byId('view'), byId('nav'))
  .add('jobs', 'jobs', jobsPage)
  .add('jobs/:id', 'jobs', jobPage)
  .add('models', 'models', modelsPage)
  .add('models/:m', 'models', modelPage)
  .add('models/:m/v/:v', 'models', versionPage)
  .add('models/:m/compare/:a/:b', 'models', comparePage)
  .add('try', 'try', tryPage)
  .add('try/:m', 'try', tryPage)
  .add('try/:m/:v', 'try', tryPage)
  .add('train', 'train', trainPage);

/** The key field: kept in sessionStorage (this tab only), sent as a bearer token on every call. */
function keyField(): void {
  const form = byId<HTMLFormElement>('key-form');
  const input = byId<HTMLInputElement>('api-key');
  const state = byId('key-state');
  const show = () => (state.textContent = apiKey() ? 'key set' : 'no key');
  input.value = apiKey();
  show();
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    setApiKey(input.value.trim());
    show();
    void router.render();
  });
  byId('key-clear').addEventListener('click', () => {
    input.value = '';
    setApiKey('');
    show();
    void router.render();
  });
}

keyField();
router.start();
