/** The test renderer's strategic merge does what kustomize's does for the shapes deploy/k8s uses. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { strategicMerge } from './kustomize.js';

const base = {
  spec: {
    containers: [
      { name: 'a', image: 'x:1', env: [{ name: 'A', value: '1' }], resources: { limits: { memory: '1Gi' } } },
      { name: 'b', image: 'y:1', args: ['one', 'two'] },
    ],
    tolerations: [{ key: 'old', operator: 'Exists' }],
    nodeSelector: { zone: 'z1' },
  },
};

test('containers and env merge by name, maps merge, atomic lists are replaced, null deletes', () => {
  const merged = strategicMerge(base, {
    spec: {
      containers: [
        {
          name: 'a',
          image: 'x:2',
          env: [
            { name: 'B', value: '2' },
            { name: 'A', value: '3' },
          ],
          resources: { limits: { gpu: 1 } },
        },
        { name: 'b', args: ['three'] },
      ],
      tolerations: [{ key: 'new', operator: 'Exists' }],
      nodeSelector: null,
    },
  });
  assert.deepEqual(merged, {
    spec: {
      containers: [
        {
          name: 'a',
          image: 'x:2',
          env: [
            { name: 'A', value: '3' },
            { name: 'B', value: '2' },
          ],
          resources: { limits: { memory: '1Gi', gpu: 1 } },
        },
        { name: 'b', image: 'y:1', args: ['three'] },
      ],
      tolerations: [{ key: 'new', operator: 'Exists' }],
    },
  });
  assert.equal(base.spec.containers[0]?.image, 'x:1', 'the base is left as it was');
});

test('lists and directives it does not know are refused, not guessed', () => {
  assert.throws(() => strategicMerge(base, { spec: { ports: [{ port: 1 }] } }), /does not know how to merge/);
  assert.throws(() => strategicMerge(base, { spec: { $patch: 'replace' } }), /directives/);
  assert.throws(
    () => strategicMerge(base, { spec: { containers: [{ image: 'no-name' }] } }),
    /need a "name"/,
  );
});
