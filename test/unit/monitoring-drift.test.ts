import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DriftTracker, driftReport, mergeSnapshots, psi, type DriftReference } from '../../src/monitoring/drift.js';
import { formatDriftTable } from '../../src/monitoring/drift-table.js';
import { binCounts, describeDistribution } from '../../src/model/statistics.js';
import { Prng } from '../../src/util/prng.js';

/** Two features: a on 0..100 in ten bins, b on 0..1 in two. */
const refs: DriftReference[] = [
  {
    feature: 'a',
    edges: [10, 20, 30, 40, 50, 60, 70, 80, 90],
    proportions: Array(10).fill(0.1),
    min: 0,
    max: 100,
  },
  { feature: 'b', edges: [0.5], proportions: [0.5, 0.5], min: 0, max: 1 },
];

describe('psi', () => {
  it('is 0 for live shares equal to the training shares and matches the formula otherwise', () => {
    expect(psi([10, 10, 10, 10, 10, 10, 10, 10, 10, 10], Array(10).fill(0.1))).toBeCloseTo(0, 12);
    // live 0.8 / 0.2 against 0.5 / 0.5
    const expected = (0.8 - 0.5) * Math.log(0.8 / 0.5) + (0.2 - 0.5) * Math.log(0.2 / 0.5);
    expect(psi([8, 2], [0.5, 0.5])).toBeCloseTo(expected, 12);
    // an empty live bin is floored, not infinite
    expect(Number.isFinite(psi([10, 0], [0.5, 0.5]))).toBe(true);
    expect(psi([0, 0], [0.5, 0.5])).toBe(0);
  });
});

describe('DriftTracker', () => {
  it('counts out-of-range values and reports statuses by the thresholds', () => {
    const t = new DriftTracker(refs, 200);
    for (let i = 0; i < 200; i++) t.add([(i % 100) + 0.5, i % 2 === 0 ? 0.25 : 0.75]);
    let r = t.report();
    expect(r.readings).toBe(200);
    expect(r.features.map((f) => f.psi)).toEqual([0, 0]);
    expect(r.status).toBe('ok');
    // all of b at 2 (above the training max, in the upper bin), a unchanged
    for (let i = 0; i < 200; i++) t.add([(i % 100) + 0.5, 2]);
    r = t.report();
    expect(r.features[0]).toMatchObject({ feature: 'a', psi: 0, status: 'ok', out_of_range_rate: 0 });
    expect(r.features[1]).toMatchObject({ feature: 'b', status: 'alert', out_of_range_rate: 1 });
    expect(r.status).toBe('alert');
    expect(formatDriftTable(r)).toMatch(/b\s+\d+\.\d{4}\s+100\.0%\s+alert/);
  });

  it('says insufficient_data until the window holds 100 readings (or is full, if smaller)', () => {
    const t = new DriftTracker(refs, 1000);
    for (let i = 0; i < 99; i++) t.add([5, 0.2]);
    expect(t.report().status).toBe('insufficient_data');
    t.add([5, 0.2]);
    expect(t.report().status).toBe('alert');
    const small = new DriftTracker(refs, 20);
    for (let i = 0; i < 20; i++) small.add([(i * 5) % 100, (i % 2) * 0.9]);
    expect(small.report().status).not.toBe('insufficient_data');
  });

  it('keeps exactly the last `window` readings (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.array(
          fc.tuple(fc.double({ min: -20, max: 120, noNaN: true }), fc.double({ min: -1, max: 2, noNaN: true })),
          {
            maxLength: 200,
          },
        ),
        (window, rows) => {
          const t = new DriftTracker(refs, window);
          for (const row of rows) t.add(row);
          const last = rows.slice(-window);
          const snap = t.snapshot();
          expect(snap.readings).toBe(last.length);
          refs.forEach((ref, f) => {
            const values = last.map((r) => r[f]!);
            expect(snap.features[f]!.counts).toEqual(binCounts(values, ref.edges));
            expect(snap.features[f]!.outOfRange).toBe(values.filter((v) => v < ref.min || v > ref.max).length);
          });
        },
      ),
    );
  });

  it('merges per-process windows into the counts of their union', () => {
    const rng = new Prng(3);
    const rows = Array.from({ length: 600 }, () => [100 * rng.next(), rng.next()]);
    const one = new DriftTracker(refs, 300);
    const two = new DriftTracker(refs, 300);
    const all = new DriftTracker(refs, null);
    rows.forEach((r, i) => ((i % 2 === 0 ? one : two).add(r), all.add(r)));
    const merged = mergeSnapshots([one.snapshot(), two.snapshot()])!;
    expect(merged.window).toBe(600);
    expect(merged.readings).toBe(600);
    expect(driftReport(refs, merged).features).toEqual(all.report().features);
    expect(mergeSnapshots([])).toBeNull();
  });

  it('finds a shift of one feature of training-like data and leaves the others low', () => {
    const rng = new Prng(11);
    const n = 20_000;
    const a = Float64Array.from({ length: n }, () => 50 + 10 * rng.normal());
    const b = Float64Array.from({ length: n }, () => 5 + rng.normal());
    const references: DriftReference[] = [
      { feature: 'a', ...describeDistribution(a) },
      { feature: 'b', ...describeDistribution(b) },
    ];
    const t = new DriftTracker(references, 2000);
    for (let i = 0; i < 2000; i++) t.add([50 + 10 * rng.normal(), 5 + rng.normal() + 1.5]);
    const [fa, fb] = t.report().features;
    expect(fa!.psi).toBeLessThan(0.05);
    expect(fb!.psi).toBeGreaterThan(0.25);
  });

  it('refuses a bad window', () => {
    expect(() => new DriftTracker(refs, 0)).toThrow(/window/);
  });
});
