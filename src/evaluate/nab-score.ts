/**
 * SKAB's NAB (Numenta Anomaly Benchmark) changepoint score, as in SKAB's
 * core/metrics.py `chp_score(metric='nab')` with window_width='60s',
 * anomaly_window_destination='righter', clear_anomalies_mode=True,
 * intersection_mode='cut right window' and the "improved" tanh scale function.
 *
 * Per run: each true changepoint t opens a detection window [t, t + width]
 * (a window overlapping the previous one starts where that one ends). Predicted
 * changepoints are the points where the binary prediction changes (the first
 * point counts when it is 1). In a window, the first predicted changepoint is a
 * true positive scored on a tanh curve from A_tp (at t) down to A_fp (at the
 * window's end); a window without one is a false negative (A_fn); predicted
 * changepoints outside every window are false positives (A_fp each). Totals are
 * pooled over runs and normalized: 100 * (S - S_null) / (S_perfect - S_null),
 * where S_null = windows * A_fn and S_perfect = windows * A_tp.
 */
export interface NabProfile {
  tp: number;
  fp: number;
  fn: number;
}

export const NAB_PROFILES = {
  standard: { tp: 1, fp: -0.11, fn: -1 },
  lowfp: { tp: 1, fp: -0.22, fn: -1 },
  lowfn: { tp: 1, fp: -0.11, fn: -2 },
} as const satisfies Record<string, NabProfile>;
export type NabProfileName = keyof typeof NAB_PROFILES;

/** What one run contributes, before pooling. */
export interface NabRunCounts {
  windows: number;
  falsePositives: number;
  falseNegatives: number;
  /** Relative position (0..1) of each true positive's detection in its window. */
  detections: number[];
}

const DETAIL = 1000;

/** SKAB's scale function at a relative position (0 = the changepoint, 1 = the window's end). */
export function nabScale(position: number, profile: NabProfile): number {
  let event = Math.trunc(position * DETAIL);
  if (event >= DETAIL) event = DETAIL - 1;
  if (event < 0) event = 0;
  const x = -Math.PI / 2 + (Math.PI * event) / (DETAIL - 1);
  const half = (profile.tp - profile.fp) / 2;
  return -half * (Math.tanh(x) / Math.tanh(Math.PI / 2)) + half + profile.fp;
}

/**
 * Counts one run. `timestamps` (ms, ascending) of the scored rows, their true
 * changepoint flags and predicted anomaly flags; `widthMs` the window length.
 */
export function nabRunCounts(
  timestamps: ArrayLike<number>,
  changepoints: ArrayLike<number>,
  predicted: ArrayLike<number | boolean>,
  widthMs: number,
): NabRunCounts {
  const n = timestamps.length;
  const windows: [number, number][] = [];
  for (let i = 0; i < n; i++) if (changepoints[i] === 1) windows.push([timestamps[i]!, timestamps[i]! + widthMs]);
  for (let i = 0; i + 1 < windows.length; i++)
    if (windows[i]![1] >= windows[i + 1]![0]) windows[i + 1]![0] = windows[i]![1];
  const cps: number[] = [];
  let previous = false;
  for (let i = 0; i < n; i++) {
    const p = predicted[i] === true || predicted[i] === 1;
    if (i === 0 ? p : p !== previous) cps.push(timestamps[i]!);
    previous = p;
  }
  const result: NabRunCounts = { windows: windows.length, falsePositives: 0, falseNegatives: 0, detections: [] };
  if (windows.length === 0) {
    result.falsePositives = cps.length;
    return result;
  }
  result.falsePositives += cps.filter((t) => t < windows[0]![0]).length;
  windows.forEach(([start, end], i) => {
    const inside = cps.filter((t) => t >= start && t <= end);
    if (inside.length === 0) result.falseNegatives++;
    else result.detections.push(end > start ? (inside[0]! - start) / (end - start) : 0);
    const next = windows[i + 1];
    if (next) result.falsePositives += cps.filter((t) => t > end && t < next[0]).length;
  });
  const lastEnd = windows[windows.length - 1]![1];
  result.falsePositives += cps.filter((t) => t > lastEnd).length;
  return result;
}

/** The pooled, normalized NAB score of one profile (null when no run has a changepoint). */
export function nabScore(runs: readonly NabRunCounts[], profile: NabProfile): number | null {
  let score = 0;
  let windows = 0;
  for (const r of runs) {
    windows += r.windows;
    score += profile.fp * r.falsePositives + profile.fn * r.falseNegatives;
    for (const d of r.detections) score += nabScale(d, profile);
  }
  const nullScore = windows * profile.fn;
  const perfect = windows * profile.tp;
  return perfect > nullScore ? (100 * (score - nullScore)) / (perfect - nullScore) : null;
}

export function nabScores(runs: readonly NabRunCounts[]): Record<NabProfileName, number | null> {
  return {
    standard: nabScore(runs, NAB_PROFILES.standard),
    lowfp: nabScore(runs, NAB_PROFILES.lowfp),
    lowfn: nabScore(runs, NAB_PROFILES.lowfn),
  };
}
