/**
 * The baseline for `bench:serve`: a bare Express 5 JSON route (`express.json()` + a small JSON
 * answer), run as its own process on `PORT`, so ours/bare compares like with like on this machine.
 * `BARE_PROCESSES` > 1 runs that many such processes on the port (node:cluster), the baseline for
 * a service run with `API_PROCESSES`.
 */
import cluster from 'node:cluster';
import express from 'express';

const processes = Number(process.env.BARE_PROCESSES ?? 1);
if (cluster.isPrimary && processes > 1) {
  for (let i = 0; i < processes; i++) cluster.fork();
} else {
  const app = express();
  app.use(express.json({ limit: '50mb' }));
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.post('/classify', (req, res) => {
    const body = req.body as { text?: unknown };
    res.json({ ok: true, chars: typeof body.text === 'string' ? body.text.length : 0 });
  });
  app.listen(Number(process.env.PORT ?? 8081), '127.0.0.1');
}
