/* global process, fetch, setTimeout, clearTimeout */
// Docker HEALTHCHECK: GET /healthz on this container's PORT; exit 0 when it answers 200.
const port = process.env.PORT || '8080';
const timer = setTimeout(() => process.exit(1), 2500);
try {
  const res = await fetch(`http://127.0.0.1:${port}/healthz`);
  clearTimeout(timer);
  process.exit(res.ok ? 0 : 1);
} catch {
  process.exit(1);
}
