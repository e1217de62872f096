import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { assemble } from '../../scripts/build-wasm.mjs';

test('the committed WebAssembly binaries are assembled from their .wat sources (npm run build:wasm)', async () => {
  const source = new URL('../../src/training/kernels/sparse.wat', import.meta.url);
  const built = await assemble(source.pathname);
  const committed = readFileSync(new URL('../../src/training/kernels/sparse.wasm', import.meta.url));
  assert.ok(
    built.equals(committed),
    'src/training/kernels/sparse.wasm is out of date: run npm run build:wasm',
  );
});
