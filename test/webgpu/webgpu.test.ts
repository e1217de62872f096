/**
 * The webgpu backend against the cpu backend, on Dawn's software adapter (OpenGL on Mesa llvmpipe).
 * Each backend runs in its own child process: TensorFlow.js has one global backend per process.
 * Skipped, with the reason, where Dawn or Mesa's EGL/llvmpipe is missing (.ci/install-gpu-deps.sh).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { describeAdapter, isSoftwareAdapter } from '../../src/model/webgpu.js';

const CHILD = fileURLToPath(new URL('./child.ts', import.meta.url));
const PREFIX = 'WEBGPU_TEST_RESULT ';

interface ChildResult {
  unavailable?: string;
  backend?: { name: string; package: string; detail?: string };
  output?: Record<string, unknown>;
}

/** Runs test/webgpu/child.ts and returns the JSON it printed (stderr holds Dawn's warnings). */
function runChild(backend: string, adapter: string, task: string, ...extra: string[]): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', CHILD, backend, adapter, task, ...extra],
      { timeout: 240_000, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const line = stdout.split('\n').find((l) => l.startsWith(PREFIX));
        if (line) return resolve(JSON.parse(line.slice(PREFIX.length)) as ChildResult);
        reject(
          new Error(
            `child ${backend}/${task} printed no result: ${err?.message ?? ''}\n${stderr.slice(-2000)}`,
          ),
        );
      },
    );
  });
}

function assertClose(actual: number[], expected: number[], tolerance: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++) {
    assert.ok(
      Math.abs(actual[i]! - expected[i]!) <= tolerance,
      `${what}[${i}]: ${actual[i]} vs ${expected[i]} (tolerance ${tolerance})`,
    );
  }
}

describe('webgpu adapter classification', () => {
  test('software rasterisers are recognised whatever field names them', () => {
    assert.ok(
      isSoftwareAdapter({ device: 'llvmpipe-llvm-15-0-6-256-bits-', description: 'OpenGL 4.5 Mesa 22.3.6' }),
    );
    assert.ok(isSoftwareAdapter({ vendor: 'mesa', device: 'llvmpipe (LLVM 15.0.6, 256 bits)' }));
    assert.ok(isSoftwareAdapter({ description: 'SwiftShader Device (Subzero)' }));
    assert.ok(isSoftwareAdapter({ architecture: 'cpu' }));
    assert.ok(isSoftwareAdapter({ device: 'NVIDIA H100' }, true), 'isFallbackAdapter wins');
    assert.ok(isSoftwareAdapter({ isFallbackAdapter: true, device: 'NVIDIA H100' }));
  });

  test('hardware GPUs are not', () => {
    assert.equal(
      isSoftwareAdapter({ vendor: 'nvidia', architecture: 'hopper', device: 'NVIDIA H100 80GB HBM3' }),
      false,
    );
    assert.equal(
      isSoftwareAdapter({ vendor: 'amd', architecture: 'rdna-3', description: 'Radeon RX 7900' }),
      false,
    );
    assert.equal(isSoftwareAdapter({ vendor: 'intel', architecture: 'gen-12lp' }), false);
  });

  test('the description names the adapter once and marks software adapters', () => {
    const d = describeAdapter(
      { vendor: 'nvidia', architecture: 'hopper', device: 'H100', description: 'H100' },
      'default',
      false,
    );
    assert.equal(d, 'H100 · vendor nvidia · hopper [dawn default]');
    assert.match(describeAdapter({}, 'opengl', true), /^unknown adapter \[dawn opengl, software\]$/);
  });
});

const probe: ChildResult = await runChild('webgpu', 'software', 'probe').catch((err: Error) => ({
  unavailable: err.message,
}));
const skip = probe.unavailable
  ? `no software WebGPU adapter (Dawn on Mesa EGL/llvmpipe; .ci/install-gpu-deps.sh installs it): ${probe.unavailable.split('\n')[0]}`
  : false;

describe('webgpu on the software adapter', { skip }, () => {
  test('it is reported as a software adapter, so auto selection never takes it', async () => {
    assert.equal(probe.backend?.name, 'webgpu');
    assert.match(probe.backend?.detail ?? '', /\[dawn opengl, software\]$/);
    const auto = await runChild('auto', 'software', 'probe');
    assert.notEqual(auto.backend?.name, 'webgpu');
  });

  test('a process that reads synchronously (serving) never gets webgpu, even when it is configured', async () => {
    const serving = await runChild('webgpu', 'software', 'probe', 'sync');
    assert.ok(serving.backend, serving.unavailable);
    assert.notEqual(serving.backend.name, 'webgpu');
  });

  test('the sparse layer and its gradient match the cpu backend', async () => {
    const [gpu, cpu] = await Promise.all([
      runChild('webgpu', 'software', 'kernels'),
      runChild('cpu', 'auto', 'kernels'),
    ]);
    const g = gpu.output as { forward: number[]; grad: number[]; numTensors: number };
    const c = cpu.output as { forward: number[]; grad: number[]; numTensors: number };
    assertClose(g.forward, c.forward, 1e-5, 'forward');
    assertClose(g.grad, c.grad, 1e-5, 'grad');
    assert.ok(c.grad.some((x) => x !== 0) && c.forward.some((x) => x !== 0), 'non-trivial fixture');
    assert.equal(g.numTensors, 0, 'no tensors leak on webgpu');
  });

  test('training matches the cpu backend: same predictions, final loss within 1e-3', async () => {
    const gpu = await runChild('webgpu', 'software', 'train');
    const cpu = await runChild('cpu', 'auto', 'train');
    assert.equal(gpu.backend?.name, 'webgpu');
    assert.equal(cpu.backend?.name, 'cpu');
    type Out = {
      losses: number[];
      labels: string[];
      probabilities: number[][];
      syncRead: string;
      numTensors: number;
    };
    const g = gpu.output as Out;
    const c = cpu.output as Out;
    assert.ok(c.losses.length >= 2 && c.losses.at(-1)! < c.losses[0]!, 'the cpu run learns');
    assert.equal(g.losses.length, c.losses.length, 'same number of epochs');
    assert.ok(
      Math.abs(g.losses.at(-1)! - c.losses.at(-1)!) <= 1e-3,
      `final loss ${g.losses.at(-1)} vs ${c.losses.at(-1)}`,
    );
    assert.deepEqual(g.labels, c.labels);
    assertClose(g.probabilities.flat(), c.probabilities.flat(), 1e-3, 'probabilities');
    assert.equal(g.numTensors, c.numTensors, 'webgpu leaves no more tensors than cpu');
    // Synchronous reads work on cpu and fail clearly (not with a ReferenceError) on webgpu.
    assert.equal(c.syncRead, 'ok');
    assert.match(g.syncRead, /synchronous reads .* use await tensor\.data\(\)/);
  });
});
