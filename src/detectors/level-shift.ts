import { ImindError } from '../errors.js';
import type { AlarmRule } from '../model/model-metadata.js';
import { ONNX_INPUT } from './autoencoder-onnx.js';
import type { FittedModel, ThresholdOptions, TrainingData } from './detector.js';
import { buildMetadata, calibratedThreshold, flooredStd } from './detector-metadata.js';
import { ONNX_DOUBLE, OnnxGraphBuilder } from './onnx/onnx-graph.js';
import { finishSumScoreGraph } from './onnx/sum-score-outputs.js';
import { rollingMeans, tileVector, windowPoolingMatrix } from './window-rows.js';

/**
 * Drift-aware level shift: how far the mean of a machine's last W readings lies
 * from its reference level, feature by feature, in units of how far that
 * feature's level is expected to wander in normal operation.
 *
 *   e_c = ((mean of the window's feature c) - level_c)^2 / scale_c^2,   score = sum_c e_c
 *
 * Fitting uses only the fitting rows, in time order:
 * - level_c: the mean of the last `referenceShare` of the rows (the most recent state).
 * - scale_c: forward validation inside the fitting rows. At each of `folds - 1` split
 *   points the level is estimated from the rows before the split, and the largest
 *   deviation D_c of later W-reading means from it is recorded. With n_c the noise of a
 *   W-reading mean (std / sqrt(W)), scale_c = n_c * max(1, D_c / n_c)^driftExponent: a
 *   stationary feature is judged by its noise; one that already wandered while fitting is
 *   trusted less, more than in proportion (exponent > 1), as it will wander further later.
 * - threshold: quantile x margin of the forward-validation scores.
 */
export interface LevelShiftOptions {
  window: number;
  referenceShare: number;
  folds: number;
  driftExponent: number;
  threshold: ThresholdOptions;
  alarm?: AlarmRule;
}

export const DEFAULT_LEVEL_SHIFT_OPTIONS: LevelShiftOptions = {
  window: 20,
  referenceShare: 0.5,
  folds: 4,
  driftExponent: 1.25,
  threshold: { quantile: 1, margin: 2.5 },
  // 3 of the last 5 readings above the threshold: drops isolated blips (fewer alarm flickers).
  alarm: { ewmaAlpha: 1, k: 3, n: 5 },
};

export interface LevelShiftParameters {
  window: number;
  level: number[];
  scale: number[];
}

export interface FittedLevelShift extends FittedModel {
  parameters: LevelShiftParameters;
}

export function fitLevelShift(data: TrainingData, options: LevelShiftOptions): FittedLevelShift {
  const width = data.schema.features.length;
  const { rows, values } = data;
  const W = options.window;
  const minRows = Math.max(50, 4 * W);
  if (rows < minRows)
    throw new ImindError(
      'training_failed',
      `level-shift with window ${W} needs at least ${minRows} rows of normal data, got ${rows}`,
    );
  const referenceRows = Math.max(W, Math.round(rows * options.referenceShare));
  const std = flooredStd(columnStd(values, rows, width), data);
  const noise = std.map((s) => s / Math.sqrt(W));
  const means = rollingMeans(values, rows, width, W);

  const splits: { level: Float64Array; firstWindow: number }[] = [];
  for (let f = 1; f < options.folds; f++) {
    const split = Math.round((rows * f) / options.folds);
    if (split + W > rows) continue;
    splits.push({ level: columnMean(values, width, Math.max(0, split - referenceRows), split), firstWindow: split });
  }
  const excursion = new Float64Array(width);
  for (const s of splits) {
    for (let k = s.firstWindow; k + W <= rows; k++) {
      for (let c = 0; c < width; c++)
        excursion[c] = Math.max(excursion[c]!, Math.abs(means[k * width + c]! - s.level[c]!));
    }
  }
  const scale = noise.map((n, c) => n * Math.max(1, excursion[c]! / n) ** options.driftExponent);
  const calibration: number[] = [];
  for (const s of splits) {
    for (let k = s.firstWindow; k + W <= rows; k++) {
      let e = 0;
      for (let c = 0; c < width; c++) e += ((means[k * width + c]! - s.level[c]!) / scale[c]!) ** 2;
      calibration.push(e);
    }
  }
  const level = Array.from(columnMean(values, width, rows - referenceRows, rows));
  const { value, sorted } = calibratedThreshold(calibration, options.threshold);
  const parameters: LevelShiftParameters = { window: W, level, scale };
  const onnxBytes = exportLevelShiftOnnx(parameters);
  const metadata = buildMetadata({
    kind: 'level-shift',
    versionPrefix: 'ls',
    window: W,
    data,
    onnxBytes,
    scaler: { mean: level, std: scale },
    threshold: { value, method: 'forward-validation-quantile', options: options.threshold },
    calibrationSorted: sorted,
    training: { trainRows: rows, validationRows: calibration.length, epochs: 0, seed: 0 },
    settings: { referenceRows, folds: options.folds, driftExponent: options.driftExponent },
    ...(options.alarm ? { alarm: options.alarm } : {}),
  });
  return { onnxBytes, metadata, parameters };
}

/**
 * ONNX graph: raw window rows [batch, W*F] in, score [batch] and e [batch, F] out.
 * It computes in double precision (the float32 input is cast once), so centring
 * large raw values costs no accuracy; only the outputs are rounded to float32.
 */
export function exportLevelShiftOnnx(p: LevelShiftParameters): Uint8Array {
  const width = p.level.length;
  const W = p.window;
  const g = new OnnxGraphBuilder('imind_level_shift');
  const x = g.cast(g.input(ONNX_INPUT, ['batch', W * width]), ONNX_DOUBLE);
  const centred = g.node('Sub', [x, g.constant64('level', [W * width], tileVector(p.level, W))]);
  const weighted = g.node('Mul', [
    centred,
    g.constant64(
      'inv_scale',
      [W * width],
      tileVector(
        p.scale.map((s) => 1 / (s * W)),
        W,
      ),
    ),
  ]);
  const z = g.node('MatMul', [weighted, g.constant64('pool', [W * width, width], windowPoolingMatrix(width, W, 1))]);
  const errors = g.node('Mul', [z, z]);
  return finishSumScoreGraph(g, errors, width);
}

/** Float64 reference of the ONNX graph over window rows [n][W*F]. */
export function levelShiftReference(p: LevelShiftParameters, rows: ArrayLike<number>, n: number) {
  const width = p.level.length;
  const W = p.window;
  const featureErrors = new Float64Array(n * width);
  const score = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < width; c++) {
      let sum = 0;
      for (let w = 0; w < W; w++) sum += rows[r * W * width + w * width + c]! - p.level[c]!;
      const e = (sum / W / p.scale[c]!) ** 2;
      featureErrors[r * width + c] = e;
      score[r]! += e;
    }
  }
  return { score, featureErrors };
}

export function columnMean(values: Float64Array, width: number, from: number, to: number): Float64Array {
  const out = new Float64Array(width);
  for (let r = from; r < to; r++) for (let c = 0; c < width; c++) out[c]! += values[r * width + c]!;
  for (let c = 0; c < width; c++) out[c]! /= Math.max(1, to - from);
  return out;
}

export function columnStd(values: Float64Array, rows: number, width: number): number[] {
  const mean = columnMean(values, width, 0, rows);
  const sq = new Float64Array(width);
  for (let r = 0; r < rows; r++) for (let c = 0; c < width; c++) sq[c]! += (values[r * width + c]! - mean[c]!) ** 2;
  return Array.from(sq, (s) => Math.sqrt(s / Math.max(1, rows - 1)));
}
