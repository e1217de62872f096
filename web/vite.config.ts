import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The dashboard: `npm run build:web` compiles web/ into web/dist, which every API process serves at `/`
 * (index.html) and `/assets/` (hashed files). Root is this folder whatever the working directory.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  // Nothing is loaded from elsewhere at run time, and the page must pass `script-src 'self'`: no
  // inline module preload polyfill, no inlined scripts.
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    target: 'es2022',
  },
  server: {
    // `npx vite --config web/vite.config.ts` for development against a service on :8080.
    proxy: Object.fromEntries(
      ['/train', '/jobs', '/classify', '/models', '/queues', '/healthz', '/readyz'].map((p) => [
        p,
        'http://127.0.0.1:8080',
      ]),
    ),
  },
});
