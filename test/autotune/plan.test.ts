import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  assertSearchable,
  best,
  firstRung,
  nextRung,
  repeatsFor,
  sampleConfigs,
  SEARCH_SPACE,
  searchSettings,
  type TrialResult,
  type TrialSpec,
} from '../../src/autotune/index.js';
import { isAppError } from '../../src/errors/index.js';
import { trainOptionsSchema } from '../../src/training/index.js';

const done = (s: TrialSpec, score: number): TrialResult => ({ ...s, status: 'done', score, seconds: 1 });

describe('autotune plan', () => {
  it('draws distinct configurations within the training schema, the defaults first, given options fixed', () => {
    const configs = sampleConfigs({ hiddenUnits: 8, stem: false }, 30, 42);
    assert.equal(configs.length, 30);
    assert.deepEqual(configs[0], {});
    assert.equal(new Set(configs.map((c) => JSON.stringify(c))).size, 30);
    for (const c of configs.slice(1)) {
      assert.ok(!('hiddenUnits' in c) && !('stem' in c), JSON.stringify(c));
      assert.ok(trainOptionsSchema.safeParse(c).success, JSON.stringify(c));
    }
    assert.deepEqual(sampleConfigs({}, 5, 7), sampleConfigs({}, 5, 7), 'seeded');
    // Drawn around the defaults: only changed dimensions are listed, about half of them each time.
    const defaults = trainOptionsSchema.parse({});
    const near = sampleConfigs({}, 40, 3, defaults).slice(1);
    for (const c of near) {
      assert.ok(Object.keys(c).length >= 1, 'at least one change');
      for (const [k, v] of Object.entries(c)) assert.notEqual(v, defaults[k as keyof typeof defaults], k);
    }
    const changed = near.reduce((n, c) => n + Object.keys(c).length, 0) / near.length;
    assert.ok(changed > 3 && changed < 8, `mean changes ${changed} of ${SEARCH_SPACE.length}`);
    // Every dimension's values are valid training options on their own.
    for (const d of SEARCH_SPACE)
      for (const v of d.values)
        assert.ok(trainOptionsSchema.safeParse({ [d.name]: v }).success, `${d.name}=${v}`);
  });

  it('fills bounds and the metric by what was given', () => {
    assert.deepEqual(searchSettings({}, false), { trials: 24, budgetSeconds: 600, metric: 'accuracy' });
    assert.deepEqual(searchSettings({ budgetSeconds: 120 }, true), {
      trials: 16,
      budgetSeconds: 120,
      metric: 'microF1',
    });
    assert.deepEqual(searchSettings({ trials: 9 }, false), {
      trials: 9,
      budgetSeconds: 86_400,
      metric: 'accuracy',
    });
  });

  it('repeats splits only where one split is too small to decide', () => {
    assert.equal(repeatsFor(1701, 0.1), 4);
    assert.equal(repeatsFor(43_112, 0.1), 1);
    assert.doesNotThrow(() => assertSearchable(100, 5, 0.1));
    assert.throws(
      () => assertSearchable(99, 5, 0.1),
      (e: unknown) =>
        isAppError(e) && e.code === 'INVALID_OPTIONS' && /at least 100 documents/.test(e.message),
    );
    assert.throws(() => assertSearchable(500, 60, 0.1), /at least 60 validation documents/);
  });

  it('promotes the best third and the defaults; picks the best mean at the highest rung', () => {
    const rung0 = firstRung({}, { trials: 9, budgetSeconds: 60, metric: 'accuracy' }, 1);
    const scores = [0.9, 0.8, 0.95, 0.7, 0.93, 0.6, 0.85, 0.5, 0.91];
    const r0 = rung0.map((s, i) => done(s, scores[i]!));
    const rung1 = nextRung(r0, 0, 3);
    assert.deepEqual(rung1.map((s) => s.index).sort(), [0, 2, 4, 8]);
    assert.ok(rung1.every((s) => s.repeat === 1 && s.rung === 1 && s.id === `c${s.index}r1`));
    // On its second split configuration 2 falls behind 4: the mean over both splits decides.
    const second: Record<number, number> = { 0: 0.9, 2: 0.85, 4: 0.96, 8: 0.9 };
    const r1 = [...r0, ...rung1.map((s) => done(s, second[s.index]!))];
    assert.equal(best(r1)?.index, 4);
    assert.ok(Math.abs(best(r1)!.score - 0.945) < 1e-9);
    // Within minGain of the defaults, the defaults stay.
    assert.equal(best(r1, 0.05)?.index, 0);
    assert.deepEqual(nextRung(r1, 2, 3), [], 'no rung past the last split');
    // Trials that did not finish do not count.
    const r1Skipped = [...r0, ...rung1.map((s): TrialResult => ({ ...s, status: 'skipped', seconds: 0 }))];
    assert.equal(best(r1Skipped)?.index, 2);
    // A rung the defaults did not finish (the deadline) decides nothing: the rung below does.
    const r1NoDefaults = [...r0, ...rung1.filter((s) => s.index !== 0).map((s) => done(s, second[s.index]!))];
    assert.equal(best(r1NoDefaults)?.index, 2);
    // Trials stopped at the deadline do not rank.
    const cut = r0.map((r) => (r.index === 2 ? { ...r, truncated: true } : r));
    assert.equal(best(cut)?.index, 4);
  });
});
