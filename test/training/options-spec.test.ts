import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parse } from 'yaml';
import { z } from 'zod';
import { trainOptionsSchema } from '../../src/training/index.js';

type JsonSchema = Record<string, unknown>;
const spec = parse(readFileSync(new URL('../../openapi.yaml', import.meta.url), 'utf8')) as {
  components: {
    schemas: {
      TrainingOptions: { properties: Record<string, JsonSchema> };
      AutotuneSettings: { properties: Record<string, JsonSchema> };
    };
  };
  paths: Record<string, Record<string, { parameters?: { name: string; schema?: { $ref?: string } }[] }>>;
};
// `autotune` is an object of its own (AutotuneSettings), checked in its own test.
const { autotune: autotuneRef, ...documented } = spec.components.schemas.TrainingOptions.properties;
const documentedAutotune = spec.components.schemas.AutotuneSettings.properties;
const schema = z.toJSONSchema(trainOptionsSchema, { io: 'input' }) as {
  properties: Record<string, JsonSchema>;
};
const RANGE_KEYS = ['type', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum'];

test('every documented training option has the schema’s type, range and default', () => {
  assert.ok(Object.keys(documented).length > 0);
  for (const [name, doc] of Object.entries(documented)) {
    const own = schema.properties[name];
    assert.ok(own, `openapi.yaml documents "${name}", which the training schema does not have`);
    for (const key of RANGE_KEYS) assert.equal(doc[key], own[key], `${name}.${key}`);
    // Defaults stay in prose: a `default:` keyword would be filled in by the validator and make
    // every option look as if the client had set it.
    assert.equal(doc.default, undefined, `${name} must not carry a default keyword`);
    const prose = /Default ([^\s]+?)\.?$/.exec(String(doc.description ?? ''));
    assert.ok(prose, `${name}: its description ends with "Default X."`);
    assert.equal(JSON.stringify(JSON.parse(prose[1]!)), JSON.stringify(own.default), `${name} default`);
  }
});

test('the autotune settings in openapi.yaml have the schema’s types, ranges and values', () => {
  assert.equal(autotuneRef?.$ref, '#/components/schemas/AutotuneSettings');
  const own = schema.properties.autotune as {
    properties: Record<string, JsonSchema>;
    additionalProperties?: unknown;
  };
  assert.deepEqual(Object.keys(documentedAutotune).sort(), Object.keys(own.properties).sort());
  for (const [name, doc] of Object.entries(documentedAutotune)) {
    const mine = own.properties[name]!;
    for (const key of [...RANGE_KEYS, 'enum'])
      assert.deepEqual(doc[key], mine[key], `autotune.${name}.${key}`);
  }
});

/** NDJSON query parameters of the autotune settings: `autotune<Name>` for each of them. */
const AUTOTUNE_QUERY: Record<string, string> = {
  autotuneSeconds: 'budgetSeconds',
  autotuneTrials: 'trials',
  autotuneMetric: 'metric',
};

test('NDJSON training takes exactly the documented options as query parameters', () => {
  const params = spec.paths['/train']?.post?.parameters ?? [];
  const options = params.filter((p) => p.schema?.$ref?.startsWith('#/components/schemas/TrainingOptions/'));
  assert.deepEqual(options.map((p) => p.name).sort(), Object.keys(documented).sort());
  for (const p of options)
    assert.equal(p.schema?.$ref, `#/components/schemas/TrainingOptions/properties/${p.name}`);
  const search = params.filter((p) => p.schema?.$ref?.startsWith('#/components/schemas/AutotuneSettings/'));
  assert.deepEqual(search.map((p) => p.name).sort(), Object.keys(AUTOTUNE_QUERY).sort());
  for (const p of search)
    assert.equal(
      p.schema?.$ref,
      `#/components/schemas/AutotuneSettings/properties/${AUTOTUNE_QUERY[p.name]}`,
    );
  assert.deepEqual(Object.values(AUTOTUNE_QUERY).sort(), Object.keys(documentedAutotune).sort());
});
