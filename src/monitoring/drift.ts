import { ImindError } from '../errors.js';
import { binIndex, type FeatureDistribution } from '../model/statistics.js';

/**
 * Data drift: live feature values against the training distribution kept in
 * the model's sidecar. Per feature, the live values are counted into the
 * training's fixed bins (its deciles) and compared with the training shares by
 * the population stability index, PSI = Σ (live − train) · ln(live / train);
 * the out-of-range rate is the share of live values outside the training
 * [min, max]. PSI below 0.1 is usually read as no shift, 0.1..0.25 as a
 * moderate one, above 0.25 as a major one.
 */

/** One feature's training distribution, in model input order. */
export interface DriftReference {
  feature: string;
  /** Interior bin edges; bins are (-inf, e0], (e0, e1], ..., (eK, inf). */
  edges: readonly number[];
  /** Training share of each bin (edges.length + 1 values). */
  proportions: readonly number[];
  min: number;
  max: number;
}

export interface DriftThresholds {
  warn: number;
  alert: number;
}

export const DEFAULT_DRIFT_THRESHOLDS: DriftThresholds = { warn: 0.1, alert: 0.25 };

/** Fewer live readings than this (or the whole window, if smaller): PSI is noise, status insufficient_data. */
export const MIN_DRIFT_READINGS = 100;

/** Live shares and training shares are floored at this before the logarithm (empty bins). */
const EPSILON = 1e-4;

export type DriftStatus = 'ok' | 'warn' | 'alert' | 'insufficient_data';

export interface FeatureDrift {
  feature: string;
  psi: number;
  out_of_range_rate: number;
  status: DriftStatus;
}

export interface DriftReport {
  /** Readings the window holds at most; null: every reading of the run. */
  window_size: number | null;
  /** Readings now in the window. */
  readings: number;
  thresholds: DriftThresholds;
  /** The worst feature status. */
  status: DriftStatus;
  features: FeatureDrift[];
}

/** Counts that can be summed over processes (cluster workers) before the PSI is computed. */
export interface DriftSnapshot {
  window: number | null;
  readings: number;
  features: { feature: string; counts: number[]; outOfRange: number }[];
}

/** The references of a model's features, in schema order. */
export function driftReferences(
  features: readonly { name: string }[],
  distribution: Readonly<Record<string, FeatureDistribution>>,
): DriftReference[] {
  return features.map((f) => {
    const d = distribution[f.name];
    if (!d) throw new ImindError('model_unusable', `the model has no training distribution for feature ${f.name}`);
    return { feature: f.name, edges: d.edges, proportions: d.proportions, min: d.min, max: d.max };
  });
}

export function checkThresholds(t: DriftThresholds): DriftThresholds {
  if (!(t.warn > 0 && t.alert > t.warn))
    throw new ImindError(
      'usage',
      `drift thresholds must satisfy 0 < warn < alert, got warn ${t.warn}, alert ${t.alert}`,
    );
  return t;
}

/**
 * Keeps the bin of each feature of the last `window` readings (a ring buffer of
 * small codes) and running counts per bin, so adding a reading costs one binary
 * search per feature and nothing grows. `window` null counts every reading (a
 * batch run).
 */
export class DriftTracker {
  private readonly width: number;
  private readonly counts: Float64Array[];
  private readonly outOfRange: Float64Array;
  /** Per slot and feature: bin * 2 + (out of range ? 1 : 0). */
  private readonly codes: Uint16Array;
  private next = 0;
  private filled = 0;

  constructor(
    readonly references: readonly DriftReference[],
    readonly window: number | null,
  ) {
    if (window !== null && !(Number.isInteger(window) && window >= 1))
      throw new ImindError('usage', `the drift window must be a positive integer, got ${window}`);
    for (const r of references) {
      if (r.proportions.length !== r.edges.length + 1 || r.edges.length > 1000)
        throw new ImindError('model_unusable', `the training distribution of ${r.feature} has inconsistent bins`);
    }
    this.width = references.length;
    this.counts = references.map((r) => new Float64Array(r.edges.length + 1));
    this.outOfRange = new Float64Array(this.width);
    this.codes = new Uint16Array(window === null ? 0 : window * this.width);
  }

  /** Readings counted now. */
  get readings(): number {
    return this.filled;
  }

  /** Adds one reading whose feature values start at values[offset], in reference order. */
  add(values: ArrayLike<number>, offset = 0): void {
    const width = this.width;
    const windowed = this.window !== null;
    const base = this.next * width;
    const evict = windowed && this.filled === this.window;
    for (let f = 0; f < width; f++) {
      const ref = this.references[f]!;
      const v = values[offset + f]!;
      const bin = binIndex(v, ref.edges);
      const out = v < ref.min || v > ref.max ? 1 : 0;
      if (windowed) {
        if (evict) {
          const old = this.codes[base + f]!;
          this.counts[f]![old >>> 1]!--;
          this.outOfRange[f]! -= old & 1;
        }
        this.codes[base + f] = bin * 2 + out;
      }
      this.counts[f]![bin]!++;
      this.outOfRange[f]! += out;
    }
    if (windowed) {
      this.next = this.next + 1 === this.window ? 0 : this.next + 1;
      if (!evict) this.filled++;
    } else this.filled++;
  }

  /** Adds `count` readings stored row-major, `stride` values apart (the first `width` of each are the features). */
  addRows(values: ArrayLike<number>, count: number, stride = this.width): void {
    for (let r = 0; r < count; r++) this.add(values, r * stride);
  }

  snapshot(): DriftSnapshot {
    return {
      window: this.window,
      readings: this.filled,
      features: this.references.map((r, f) => ({
        feature: r.feature,
        counts: Array.from(this.counts[f]!),
        outOfRange: this.outOfRange[f]!,
      })),
    };
  }

  report(thresholds: DriftThresholds = DEFAULT_DRIFT_THRESHOLDS): DriftReport {
    return driftReport(this.references, this.snapshot(), thresholds);
  }
}

/** PSI of live bin counts against training shares (both floored at 1e-4). */
export function psi(counts: ArrayLike<number>, proportions: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < counts.length; i++) n += counts[i]!;
  if (n === 0) return 0;
  let sum = 0;
  for (let i = 0; i < counts.length; i++) {
    const live = Math.max(counts[i]! / n, EPSILON);
    const train = Math.max(proportions[i]!, EPSILON);
    sum += (live - train) * Math.log(live / train);
  }
  return sum;
}

const ORDER: Record<DriftStatus, number> = { insufficient_data: 0, ok: 1, warn: 2, alert: 3 };

/** The report for (possibly merged) counts. */
export function driftReport(
  references: readonly DriftReference[],
  snapshot: DriftSnapshot,
  thresholds: DriftThresholds = DEFAULT_DRIFT_THRESHOLDS,
): DriftReport {
  const minReadings = Math.min(MIN_DRIFT_READINGS, snapshot.window ?? MIN_DRIFT_READINGS);
  const enough = snapshot.readings >= minReadings && snapshot.readings > 0;
  const features = references.map((ref, f): FeatureDrift => {
    const s = snapshot.features[f];
    const value = s ? psi(s.counts, ref.proportions) : 0;
    const status: DriftStatus = !enough
      ? 'insufficient_data'
      : value >= thresholds.alert
        ? 'alert'
        : value >= thresholds.warn
          ? 'warn'
          : 'ok';
    return {
      feature: ref.feature,
      psi: round(value),
      out_of_range_rate: snapshot.readings > 0 && s ? round(s.outOfRange / snapshot.readings) : 0,
      status,
    };
  });
  let status: DriftStatus = enough ? 'ok' : 'insufficient_data';
  for (const f of features) if (ORDER[f.status] > ORDER[status]) status = f.status;
  return { window_size: snapshot.window, readings: snapshot.readings, thresholds, status, features };
}

/** Sums snapshots of the same features (one per process); null when there are none. */
export function mergeSnapshots(snapshots: readonly DriftSnapshot[]): DriftSnapshot | null {
  const first = snapshots[0];
  if (!first) return null;
  const merged: DriftSnapshot = {
    window: first.window === null ? null : 0,
    readings: 0,
    features: first.features.map((f) => ({ feature: f.feature, counts: f.counts.map(() => 0), outOfRange: 0 })),
  };
  for (const s of snapshots) {
    if (merged.window !== null) merged.window += s.window ?? 0;
    merged.readings += s.readings;
    s.features.forEach((f, i) => {
      const target = merged.features[i];
      if (!target || target.feature !== f.feature || target.counts.length !== f.counts.length) return;
      for (let b = 0; b < f.counts.length; b++) target.counts[b]! += f.counts[b]!;
      target.outOfRange += f.outOfRange;
    });
  }
  return merged;
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
