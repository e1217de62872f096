import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lint, loadConfig } from '@redocly/openapi-core';
import { SPEC_PATH } from '../../src/api/index.js';

/** Third-party client generators read openapi.yaml too: it passes Redocly's recommended rules. */
test('openapi.yaml passes the OpenAPI linter (Redocly recommended rules) with no error or warning', async () => {
  const config = await loadConfig({ configPath: undefined });
  const problems = await lint({ ref: SPEC_PATH, config });
  const lines = problems.map((p) => `${p.severity} ${p.ruleId}: ${p.message} at ${p.location[0]?.pointer}`);
  assert.deepEqual(lines, []);
});
