import { describe, expect, it } from 'vitest';
import { DEFAULT_LEVEL_SHIFT_OPTIONS, fitLevelShift, levelShiftReference } from '../../src/detectors/level-shift.js';
import { builtinSchemas } from '../../src/schema/builtin-schemas.js';
import { Prng } from '../../src/util/prng.js';

const schema = builtinSchemas.get('default')!;

/** Feature 0 stationary noise (sd 1); feature 1 a slow random walk plus the same noise; 2 and 3 constant-ish. */
function drifting(n: number, seed: number): Float64Array {
  const rng = new Prng(seed);
  const out = new Float64Array(n * 4);
  let walk = 0;
  for (let r = 0; r < n; r++) {
    walk += 0.3 * rng.normal();
    out.set([50 + rng.normal(), 50 + walk + rng.normal(), 40 + 0.1 * rng.normal(), 250 + rng.normal()], r * 4);
  }
  return out;
}

const options = { ...DEFAULT_LEVEL_SHIFT_OPTIONS, window: 20 };
const data = { schema, values: drifting(400, 5), rows: 400, dataSha256: 'x', files: [] };
const fitted = fitLevelShift(data, options);
const { level, scale } = fitted.parameters;

describe('level-shift detector', () => {
  it('judges a stationary feature by the spread of its W-reading means, a drifting one far more leniently', () => {
    // Pure noise: the largest forward-validation excursion of ~600 window means is ~3 noise units, ^1.25.
    const noise = 1 / Math.sqrt(20);
    expect(scale[0]! / noise).toBeGreaterThan(2);
    expect(scale[0]! / noise).toBeLessThan(6);
    expect(scale[1]! / scale[0]!).toBeGreaterThan(5);
  });

  it('takes the level from the last half of the fitting rows', () => {
    let sum = 0;
    for (let r = 200; r < 400; r++) sum += data.values[r * 4 + 1]!;
    expect(level[1]).toBeCloseTo(sum / 200, 9);
  });

  it('sets the threshold to margin x the largest forward-validation score', () => {
    const m = fitted.metadata;
    expect(m.threshold.value).toBeCloseTo(m.training.validationErrorQuantiles['p100']! * options.threshold.margin, 9);
    expect(m.threshold.method).toBe('forward-validation-quantile');
    expect(m.alarm).toEqual(options.alarm);
  });

  it('flags a 2-sigma step of the stationary feature but not the same step of the drifting one', () => {
    const window = (shift0: number, shift1: number): Float64Array => {
      const w = new Float64Array(20 * 4);
      for (let k = 0; k < 20; k++) w.set([level[0]! + shift0, level[1]! + shift1, level[2]!, level[3]!], k * 4);
      return w;
    };
    const threshold = fitted.metadata.threshold.value;
    const step0 = levelShiftReference(fitted.parameters, window(2, 0), 1);
    const step1 = levelShiftReference(fitted.parameters, window(0, 2), 1);
    expect(step0.score[0]).toBeGreaterThan(threshold);
    expect(step1.score[0]).toBeLessThan(threshold);
    expect(step0.featureErrors[0]).toBeCloseTo(step0.score[0]!, 9);
  });

  it('refuses too little data for its window', () => {
    expect(() => fitLevelShift({ ...data, rows: 60 }, options)).toThrow(/needs at least 80 rows/);
  });
});
