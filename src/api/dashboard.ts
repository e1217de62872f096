import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import express, { type Router } from 'express';
import { AppError } from '../errors/index.js';
import type { Handler } from './context.js';

/** The dashboard's build (`npm run build:web`), beside `openapi.yaml` at the repository root. */
export const DASHBOARD_DIR = resolve(import.meta.dirname, '..', '..', 'web', 'dist');

/**
 * `GET /`: the dashboard's page. A checkout that has not built it answers a problem saying how,
 * rather than a bare 404.
 */
export function dashboardPage(dir = DASHBOARD_DIR): Handler {
  const index = join(dir, 'index.html');
  return (c) => {
    if (!existsSync(index)) {
      throw new AppError('NOT_FOUND', 'The dashboard is not built: run `npm run build:web`');
    }
    c.res.setHeader('Cache-Control', 'no-cache');
    c.res.sendFile(index);
  };
}

/** The dashboard's compiled assets under `/assets/` (hashed names, so they may be cached long). */
export function dashboardAssets(dir = DASHBOARD_DIR): Router {
  const router = express.Router();
  router.use(
    '/assets',
    express.static(join(dir, 'assets'), { index: false, fallthrough: true, immutable: true, maxAge: '30d' }),
  );
  return router;
}
