import { describe, expect, it } from 'vitest';
import { addConfusion, binaryScores, emptyConfusion } from '../../src/evaluate/binary-metrics.js';

describe('pooled binary metrics (SKAB definitions)', () => {
  it('counts a hand-made case', () => {
    //            y: 1 1 1 1 0 0 0 0 0 0
    //            p: 1 1 1 0 1 0 0 0 0 0  -> TP 3, FN 1, FP 1, TN 5
    const c = addConfusion(emptyConfusion(), [1, 1, 1, 1, 0, 0, 0, 0, 0, 0], [1, 1, 1, 0, 1, 0, 0, 0, 0, 0]);
    expect(c).toEqual({ tp: 3, fp: 1, fn: 1, tn: 5 });
    const s = binaryScores(c);
    expect(s.f1).toBeCloseTo(3 / (3 + (1 + 1) / 2), 12); // 0.75
    expect(s.far).toBeCloseTo(1 / 6, 12);
    expect(s.mar).toBeCloseTo(1 / 4, 12);
  });

  it('pools runs by adding counts (not by averaging per-run scores)', () => {
    const c = emptyConfusion();
    addConfusion(c, [1, 1, 0, 0], [1, 0, 0, 0]); // TP 1 FN 1 TN 2
    addConfusion(c, [1, 0, 0, 0, 0, 0], [1, 1, 1, 0, 0, 0]); // TP 1 FP 2 TN 3
    expect(c).toEqual({ tp: 2, fp: 2, fn: 1, tn: 5 });
    const s = binaryScores(c);
    expect(s.f1).toBeCloseTo(2 / (2 + 1.5), 12);
    expect(s.far).toBeCloseTo(2 / 7, 12);
    expect(s.mar).toBeCloseTo(1 / 3, 12);
  });

  it('flagging everything: FAR 1 and MAR 0; flagging nothing: F1 0 and MAR 1', () => {
    const y = [1, 1, 1, 0, 0];
    const all = binaryScores(addConfusion(emptyConfusion(), y, [1, 1, 1, 1, 1]));
    expect(all).toEqual({ f1: 3 / (3 + 1), far: 1, mar: 0 });
    const none = binaryScores(addConfusion(emptyConfusion(), y, [false, false, false, false, false]));
    expect(none).toEqual({ f1: 0, far: 0, mar: 1 });
  });

  it('is undefined (null), not NaN, without the needed rows', () => {
    expect(binaryScores(emptyConfusion())).toEqual({ f1: null, far: null, mar: null });
  });

  it('refuses labels and predictions of different lengths', () => {
    expect(() => addConfusion(emptyConfusion(), [1, 0], [1])).toThrow(/differ in length/);
  });
});
