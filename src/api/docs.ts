import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import express, { type Router } from 'express';
import type { Handler } from './context.js';

/** Where swagger-ui-dist's files are; resolved without loading its (browser) bundle. */
function swaggerUiDir(): string {
  return dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
}

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>textclf API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
<link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body>
</html>
`;

// An external script, not inline, so helmet's default Content-Security-Policy (script-src 'self') holds.
const INIT = `window.ui = SwaggerUIBundle({ url: '/openapi.yaml', dom_id: '#swagger-ui', deepLinking: true });\n`;

/** `GET /docs`: Swagger UI served from the installed package (works offline). */
export const docsPage: Handler = (c) => {
  c.res.type('html').send(PAGE);
};

/** Static assets of the docs page: `/docs/init.js` and `/docs/assets/*`. */
export function docsAssets(): Router {
  const router = express.Router();
  router.get('/docs/init.js', (_req, res) => {
    res.type('application/javascript').send(INIT);
  });
  router.use(
    '/docs/assets',
    express.static(swaggerUiDir(), { index: false, fallthrough: true, maxAge: '1h' }),
  );
  return router;
}
