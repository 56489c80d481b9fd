/** Small numeric helpers shared by training, calibration and drift checks. */

/** Linear-interpolated quantile of an ascending-sorted array. */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * Math.min(1, Math.max(0, q));
  const lo = Math.floor(pos);
  const hi = Math.min(sorted.length - 1, lo + 1);
  const frac = pos - lo;
  return sorted[lo]! * (1 - frac) + sorted[hi]! * frac;
}

export function sortedCopy(values: ArrayLike<number>): Float64Array {
  return Float64Array.from(values).sort();
}

/** Per-column mean and standard deviation of a row-major matrix [n][width]. */
export function columnMoments(data: Float64Array, n: number, width: number): { mean: number[]; std: number[] } {
  const mean = new Array<number>(width).fill(0);
  const sq = new Array<number>(width).fill(0);
  for (let r = 0; r < n; r++) for (let c = 0; c < width; c++) mean[c]! += data[r * width + c]!;
  for (let c = 0; c < width; c++) mean[c]! /= Math.max(1, n);
  for (let r = 0; r < n; r++)
    for (let c = 0; c < width; c++) {
      const d = data[r * width + c]! - mean[c]!;
      sq[c]! += d * d;
    }
  const std = sq.map((s) => Math.sqrt(s / Math.max(1, n - 1)));
  return { mean, std };
}

/** One feature's training distribution: summary plus fixed bins for PSI. */
export interface FeatureDistribution {
  mean: number;
  std: number;
  min: number;
  max: number;
  /** Interior bin edges (deciles of the training data); bins are (-inf, e0], (e0, e1], ..., (eK, inf). */
  edges: number[];
  /** Share of training rows in each bin (edges.length + 1 values). */
  proportions: number[];
}

export function describeDistribution(values: Float64Array, bins = 10): FeatureDistribution {
  const sorted = sortedCopy(values);
  const edges: number[] = [];
  for (let k = 1; k < bins; k++) {
    const e = quantileSorted(sorted, k / bins);
    if (edges.length === 0 || e > edges[edges.length - 1]!) edges.push(e);
  }
  const counts = binCounts(values, edges);
  const n = Math.max(1, values.length);
  let sum = 0;
  for (const v of values) sum += v;
  const mean = sum / n;
  let sq = 0;
  for (const v of values) sq += (v - mean) ** 2;
  return {
    mean,
    std: Math.sqrt(sq / Math.max(1, n - 1)),
    min: sorted[0] ?? Number.NaN,
    max: sorted[sorted.length - 1] ?? Number.NaN,
    edges,
    proportions: counts.map((c) => c / n),
  };
}

export function binIndex(value: number, edges: readonly number[]): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (value <= edges[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

export function binCounts(values: ArrayLike<number>, edges: readonly number[]): number[] {
  const counts = new Array<number>(edges.length + 1).fill(0);
  for (let i = 0; i < values.length; i++) counts[binIndex(values[i]!, edges)]!++;
  return counts;
}
