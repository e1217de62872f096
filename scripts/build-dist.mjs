/* global process, console */
// `npm run build`: src/ compiled to dist/ (tsconfig.build.json), for `npm run start:prod` and the image,
// which then run plain Node (no tsx). Also copies what the compiled modules read beside themselves at
// run time: every non-TypeScript file under src/ (the Redis `.lua` scripts), at the same relative path.
// openapi.yaml and web/dist are found from the repository root (two levels above dist/<room>/),
// exactly as from src/, so they are not copied. Plain JavaScript: runs before anything is compiled.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const src = join(root, 'src');
const out = join(root, 'dist');

// A clean tree: no module left over from a file that was since removed or renamed.
rmSync(out, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const r = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
if (r.status !== 0) process.exit(r.status ?? 1);

/** Files under `dir` that tsc does not emit and the code may load: all but `.ts` sources and declarations. */
function assets(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return assets(p);
    return e.isFile() && !/\.[cm]?ts$/.test(e.name) ? [p] : [];
  });
}

const copied = assets(src);
for (const file of copied) {
  const to = join(out, relative(src, file));
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(file, to);
}
console.log(`build: src/ -> dist/ (tsc -p tsconfig.build.json), ${copied.length} assets copied`);
