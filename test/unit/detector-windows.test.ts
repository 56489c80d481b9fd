import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlarmState } from '../../src/detectors/alarm-state.js';
import { fitDetector } from '../../src/detectors/fit-detector.js';
import { MachineWindows } from '../../src/detectors/machine-windows.js';
import { flattenWindows } from '../../src/detectors/window-rows.js';
import { Model } from '../../src/model/model.js';
import { builtinSchemas } from '../../src/schema/builtin-schemas.js';
import type { Reading } from '../../src/schema/reading.js';
import { Prng } from '../../src/util/prng.js';

const schema = builtinSchemas.get('default')!;
const F = 4;

function values(n: number, seed: number): Float64Array {
  const rng = new Prng(seed);
  const out = new Float64Array(n * F);
  for (let i = 0; i < out.length; i++) out[i] = [60, 1.2, 45, 250][i % F]! + rng.normal() * [1, 0.05, 0.5, 5][i % F]!;
  return out;
}

function readingsOf(v: Float64Array, machineId: string, start = 0): Reading[] {
  return Array.from({ length: v.length / F }, (_, i) => ({
    row: i + 1,
    timestamp: (start + i) * 1000,
    machineId,
    values: v.slice(i * F, (i + 1) * F),
  }));
}

describe('MachineWindows', () => {
  it('warms up until W readings, then writes windows oldest first', () => {
    const w = new MachineWindows(2, 3);
    const out = new Float32Array(6);
    expect(w.push('A', 1, [1, 10], out, 0)).toEqual({ status: 'warming_up', outOfOrder: false });
    expect(w.push('A', 2, [2, 20], out, 0).status).toBe('warming_up');
    expect(w.push('A', 3, [3, 30], out, 0).status).toBe('ready');
    expect(Array.from(out)).toEqual([1, 10, 2, 20, 3, 30]);
    expect(w.push('A', 4, [4, 40], out, 0).status).toBe('ready');
    expect(Array.from(out)).toEqual([2, 20, 3, 30, 4, 40]);
  });

  it('keeps machines apart', () => {
    const w = new MachineWindows(1, 2);
    const out = new Float32Array(2);
    w.push('A', 1, [1], out, 0);
    expect(w.push('B', 1, [100], out, 0).status).toBe('warming_up');
    expect(w.push('A', 2, [2], out, 0).status).toBe('ready');
    expect(Array.from(out)).toEqual([1, 2]);
    expect(w.push('B', 2, [200], out, 0).status).toBe('ready');
    expect(Array.from(out)).toEqual([100, 200]);
  });

  it('scores a late reading against the window as it is, flags it and does not store it', () => {
    const w = new MachineWindows(1, 3);
    const out = new Float32Array(3);
    for (const t of [10, 11, 12]) w.push('A', t, [t], out, 0);
    expect(w.push('A', 5, [5], out, 0)).toEqual({ status: 'ready', outOfOrder: true });
    expect(Array.from(out)).toEqual([11, 12, 5]);
    w.push('A', 13, [13], out, 0);
    expect(Array.from(out)).toEqual([11, 12, 13]);
  });

  it('treats a duplicate timestamp as a new reading (replaces nothing)', () => {
    const w = new MachineWindows(1, 2);
    const out = new Float32Array(2);
    w.push('A', 7, [1], out, 0);
    expect(w.push('A', 7, [2], out, 0)).toEqual({ status: 'ready', outOfOrder: false });
    expect(Array.from(out)).toEqual([1, 2]);
  });

  it('bounds memory: the machine seen least recently is forgotten first', () => {
    const w = new MachineWindows(1, 2, 2);
    const out = new Float32Array(2);
    w.push('A', 1, [1], out, 0);
    w.push('B', 1, [1], out, 0);
    w.push('A', 2, [2], out, 0);
    w.push('C', 1, [1], out, 0);
    expect(w.size).toBe(2);
    expect(w.push('B', 2, [2], out, 0).status).toBe('warming_up');
    expect(w.push('A', 3, [3], out, 0).status).toBe('warming_up');
  });
});

describe('AlarmState', () => {
  it('k of n: needs k positive decisions among the last n', () => {
    const s = new AlarmState({ ewmaAlpha: 1, k: 2, n: 3 }, 1);
    const seq = [5, 0, 5, 0, 0, 5, 5, 0, 0].map((x) => s.next(x).isAnomaly);
    expect(seq).toEqual([false, false, true, false, false, false, true, true, false]);
  });

  it('EWMA starts at the first score and weighs the newest by alpha', () => {
    const s = new AlarmState({ ewmaAlpha: 0.5, k: 1, n: 1 }, 3);
    expect(s.next(4)).toEqual({ smoothed: 4, isAnomaly: true });
    expect(s.next(0)).toEqual({ smoothed: 2, isAnomaly: false });
    expect(s.next(6)).toEqual({ smoothed: 4, isAnomaly: true });
  });
});

describe('StreamScorer with a windowed model', () => {
  let model: Model;
  const W = 5;
  beforeAll(async () => {
    const train = values(400, 1);
    const fitted = fitDetector(
      'level-shift',
      { schema, values: train, rows: 400, dataSha256: 'x', files: [] },
      { window: W, alarm: { ewmaAlpha: 1, k: 1, n: 1 } },
    );
    model = await Model.fromParts(fitted);
  });
  afterAll(async () => {
    await model.dispose();
  });

  it('answers warming_up (never anomalous) until the window is full, then scores the window rows', async () => {
    const v = values(30, 2);
    const predictions = await model.createScorer().score(readingsOf(v, 'M'));
    expect(predictions.slice(0, W - 1).every((p) => p.status === 'warming_up' && !p.isAnomaly && p.score === 0)).toBe(
      true,
    );
    const direct = await model.scoreMatrix(Float32Array.from(flattenWindows(v, 30, F, W)), 30 - W + 1);
    predictions.slice(W - 1).forEach((p, k) => {
      expect(p.status).toBe('scored');
      expect(p.score).toBe(direct.score[k]);
      expect(p.isAnomaly).toBe(direct.score[k]! > model.threshold);
    });
  });

  it('gives each machine the same answers whether streams are interleaved or not, in any batch sizes', async () => {
    const a = readingsOf(values(25, 3), 'A');
    const b = readingsOf(values(25, 4), 'B');
    const alone = [...(await model.createScorer().score(a)), ...(await model.createScorer().score(b))];
    const interleaved: Reading[] = [];
    for (let i = 0; i < 25; i++) interleaved.push(a[i]!, b[i]!);
    const scorer = model.createScorer();
    const mixed = [...(await scorer.score(interleaved.slice(0, 7))), ...(await scorer.score(interleaved.slice(7)))];
    const byMachine = (id: string) => mixed.filter((p) => p.machineId === id).map((p) => p.score);
    expect(byMachine('A')).toEqual(alone.slice(0, 25).map((p) => p.score));
    expect(byMachine('B')).toEqual(alone.slice(25).map((p) => p.score));
    expect(scorer.machines).toBe(2);
  });

  it('queues overlapping score() calls, so they answer as if awaited one by one', async () => {
    const r = readingsOf(values(20, 8), 'Q');
    const sequential = model.createScorer();
    const expected = [...(await sequential.score(r.slice(0, 6))), ...(await sequential.score(r.slice(6)))];
    const overlapping = model.createScorer();
    const [a, b] = await Promise.all([overlapping.score(r.slice(0, 6)), overlapping.score(r.slice(6))]);
    expect([...a, ...b].map((p) => [p.status, p.score])).toEqual(expected.map((p) => [p.status, p.score]));
  });

  it('keeps state across predict calls (a stream scored in batches)', async () => {
    const r = readingsOf(values(12, 5), 'S');
    const first = await model.predict(r.slice(0, 3));
    const rest = await model.predict(r.slice(3));
    expect(first.every((p) => p.status === 'warming_up')).toBe(true);
    expect(rest.filter((p) => p.status === 'scored').length).toBe(12 - W + 1);
  });
});

describe('Model.predict for a pointwise model without an alarm rule', () => {
  it('stays stateless: no status field, same answer for the same reading', async () => {
    const fitted = fitDetector('pca', { schema, values: values(300, 6), rows: 300, dataSha256: 'x', files: [] });
    const model = await Model.fromParts(fitted);
    try {
      const r = readingsOf(values(3, 7), 'M');
      const once = await model.predict(r);
      const twice = await model.predict(r);
      expect(once.map((p) => p.score)).toEqual(twice.map((p) => p.score));
      expect(once.every((p) => p.status === undefined)).toBe(true);
      expect(model.stateful).toBe(false);
    } finally {
      await model.dispose();
    }
  });
});
