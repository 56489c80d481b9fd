import { describe, expect, it } from 'vitest';
import { NAB_PROFILES, nabRunCounts, nabScale, nabScores } from '../../src/evaluate/nab-score.js';

const seconds = (n: number) => Array.from({ length: n }, (_, i) => i * 1000);

describe("SKAB's NAB score", () => {
  it('scale: A_tp at the changepoint, A_fp at the window end, SKAB values in between', () => {
    expect(nabScale(0, NAB_PROFILES.standard)).toBeCloseTo(1, 12);
    expect(nabScale(1, NAB_PROFILES.standard)).toBeCloseTo(-0.11, 12);
    // Values from SKAB's core/metrics.py my_scale (numpy), event int(0.2 * 1000) = 200.
    expect(nabScale(0.2, NAB_PROFILES.standard)).toBeCloseTo(0.8904212662964358, 12);
    expect(nabScale(0.2, NAB_PROFILES.lowfp)).toBeCloseTo(0.8795621125059923, 12);
  });

  it('one detection 1 s into a 5 s window: 94.52 / 93.98 / 96.35', () => {
    //              t: 0 1 2 3 4 5 6 7 8 9   changepoint at t=2, window [2, 7]
    const cp = [0, 0, 1, 0, 0, 0, 0, 0, 0, 0];
    const pred = [0, 0, 0, 1, 1, 1, 1, 1, 1, 1]; // predicted changepoint at t=3
    const run = nabRunCounts(seconds(10), cp, pred, 5000);
    expect(run).toEqual({ windows: 1, falsePositives: 0, falseNegatives: 0, detections: [0.2] });
    const s = nabScores([run]);
    expect(s.standard).toBeCloseTo(94.5210633148218, 9);
    expect(s.lowfp).toBeCloseTo(93.97810562529962, 9);
    expect(s.lowfn).toBeCloseTo(96.34737554321453, 9);
  });

  it('a blip before both windows and no detection: 2 FP, 2 FN -> -5.5 / -11 / -3.67', () => {
    const cp = [0, 0, 1, 0, 0, 0, 0, 0, 1, 0];
    const pred = [1, 0, 0, 0, 0, 0, 0, 0, 0, 0]; // changepoints at t=0 (first point is 1) and t=1
    const run = nabRunCounts(seconds(10), cp, pred, 5000);
    expect(run).toEqual({ windows: 2, falsePositives: 2, falseNegatives: 2, detections: [] });
    const s = nabScores([run]);
    expect(s.standard).toBeCloseTo((100 * -0.22) / 4, 9);
    expect(s.lowfp).toBeCloseTo((100 * -0.44) / 4, 9);
    expect(s.lowfn).toBeCloseTo((100 * -0.22) / 6, 9);
  });

  it('overlapping windows: the later one starts where the earlier ends (cut right window)', () => {
    // changepoints at t=2 and t=4, width 5: windows [2, 7] and [7, 9]; a predicted changepoint at
    // exactly t=7 lies in both (both closed), as in SKAB; one at t=8 only in the second.
    const cp = [0, 0, 1, 0, 1, 0, 0, 0, 0, 0];
    const at7 = nabRunCounts(seconds(10), cp, [0, 0, 0, 0, 0, 0, 0, 1, 1, 1], 5000);
    expect(at7.detections).toEqual([1, 0]);
    const at8 = nabRunCounts(seconds(10), cp, [0, 0, 0, 0, 0, 0, 0, 0, 1, 1], 5000);
    expect(at8).toEqual({ windows: 2, falsePositives: 0, falseNegatives: 1, detections: [0.5] });
  });

  it('counts changepoints between and after windows as false positives; pools runs before normalizing', () => {
    const cp = [0, 1, 0, 0, 0, 0, 0, 0, 0, 0];
    // window [1, 3]; predicted changepoints at t=1 (TP, position 0), t=5 and t=6 (both after: FP)
    const run = nabRunCounts(seconds(10), cp, [0, 1, 1, 1, 1, 0, 1, 1, 1, 1], 2000);
    expect(run).toEqual({ windows: 1, falsePositives: 2, falseNegatives: 0, detections: [0] });
    const empty = nabRunCounts(seconds(5), [0, 0, 0, 0, 0], [0, 0, 0, 0, 0], 2000);
    const s = nabScores([run, empty]);
    // S = 1 + 2 * -0.11 = 0.78; null = -1; perfect = 1 -> 100 * 1.78 / 2
    expect(s.standard).toBeCloseTo(89, 9);
  });

  it('is null without any true changepoint', () => {
    expect(nabScores([nabRunCounts(seconds(3), [0, 0, 0], [0, 1, 0], 1000)]).standard).toBeNull();
  });
});
