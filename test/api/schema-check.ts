import assert from 'node:assert/strict';
import { loadSpec } from '../../src/api/spec.js';
import { SpecValidator } from '../../src/api/validate.js';

const validator = new SpecValidator(loadSpec().doc);
const cache = new Map<string, (v: unknown) => { path: string; message: string }[]>();

/** Asserts that a response body matches a schema of openapi.yaml, e.g. `Job`. */
export function assertSchema(body: unknown, schemaName: string): void {
  let check = cache.get(schemaName);
  if (!check) {
    check = validator.body(`#/components/schemas/${schemaName}`);
    cache.set(schemaName, check);
  }
  assert.deepEqual(
    check(structuredClone(body)),
    [],
    `response does not match ${schemaName}: ${JSON.stringify(body)}`,
  );
}

/** Asserts a problem+json reply with the given status and code, matching the Problem schema. */
export function assertProblem(
  res: { status: number; headers: Record<string, string>; body: unknown },
  status: number,
  code: string,
): Record<string, unknown> {
  assert.equal(res.status, status, `status: ${JSON.stringify(res.body)}`);
  assert.match(res.headers['content-type'] ?? '', /^application\/problem\+json/);
  const body = res.body as Record<string, unknown>;
  assert.equal(body.code, code, JSON.stringify(body));
  assert.equal(body.status, status);
  assertSchema(body, 'Problem');
  return body;
}
