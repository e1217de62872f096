import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { siblingEntry, spawnThread } from '../../src/common/index.js';

const dir = mkdtempSync(join(tmpdir(), 'textclf-spawn-'));
// ES modules, as in this repository (a bare .ts file would be CommonJS to tsx).
writeFileSync(join(dir, 'package.json'), '{"type": "module"}');
after(() => rmSync(dir, { recursive: true, force: true }));

/** Starts `entry`, posts 20 and resolves with the thread's first message. */
async function roundTrip(entry: URL): Promise<unknown> {
  const worker = spawnThread(entry, { workerData: 1 });
  try {
    worker.postMessage(20);
    const [answer] = await once(worker, 'message');
    return answer;
  } finally {
    await worker.terminate();
  }
}

const body = (typed: boolean) =>
  `import { parentPort, workerData } from 'node:worker_threads';\n` +
  `parentPort${typed ? '!' : ''}.once('message', (n${typed ? ': number' : ''}) => parentPort${typed ? '!' : ''}.postMessage(n + workerData));\n`;

describe('spawnThread and siblingEntry', () => {
  test('siblingEntry: a .ts entry beside a .ts module (tsx), a .js one beside compiled JavaScript', () => {
    assert.equal(
      siblingEntry('file:///app/src/serving/pool.ts', 'thread').href,
      'file:///app/src/serving/thread.ts',
    );
    assert.equal(
      siblingEntry('file:///app/dist/serving/pool.js', 'thread').href,
      'file:///app/dist/serving/thread.js',
    );
  });

  test('a JavaScript entry starts as it is (no tsx involved)', async () => {
    const file = join(dir, 'entry.mjs');
    writeFileSync(file, body(false));
    assert.equal(await roundTrip(pathToFileURL(file)), 21);
  });

  test('a TypeScript entry starts under tsx, registered inside the thread', async () => {
    const file = join(dir, 'entry.ts');
    writeFileSync(file, body(true));
    assert.equal(await roundTrip(pathToFileURL(file)), 21);
  });
});
