/* global process, console, Buffer */
// `npm run build:wasm`: assembles every WebAssembly text module under src/ (`*.wat`) into the binary
// beside it (`*.wasm`), which the code loads at run time. The binaries are committed so that neither
// installs nor the image need the assembler; test/training/wasm-build.test.ts checks they are current.
// Uses wabt (the WebAssembly Binary Toolkit, compiled to JavaScript). `--check` writes nothing and
// exits 1 when a binary is out of date.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import wabtInit from 'wabt';

const root = resolve(import.meta.dirname, '..');
const check = process.argv.includes('--check');

/** Every `.wat` file under `dir`. */
function sources(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return e.isFile() && e.name.endsWith('.wat') ? [p] : [];
  });
}

/** The binary of one text module (SIMD and bulk memory enabled, validated). */
export async function assemble(file) {
  const wabt = await wabtInit();
  const module = wabt.parseWat(file, readFileSync(file, 'utf8'), { simd: true, bulk_memory: true });
  try {
    module.validate();
    return Buffer.from(module.toBinary({}).buffer);
  } finally {
    module.destroy();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  let stale = 0;
  for (const file of sources(join(root, 'src'))) {
    const target = file.replace(/\.wat$/, '.wasm');
    const bytes = await assemble(file);
    let current;
    try {
      current = readFileSync(target);
    } catch {
      current = undefined;
    }
    if (current && current.equals(bytes)) continue;
    if (check) {
      console.error(`${relative(root, target)} is out of date: run npm run build:wasm`);
      stale++;
    } else {
      writeFileSync(target, bytes);
      console.log(`${relative(root, file)} -> ${relative(root, target)} (${bytes.length} bytes)`);
    }
  }
  process.exit(stale > 0 ? 1 : 0);
}
