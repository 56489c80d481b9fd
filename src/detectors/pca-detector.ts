import { ImindError } from '../errors.js';
import type { AlarmRule } from '../model/model-metadata.js';
import { ONNX_INPUT } from './autoencoder-onnx.js';
import type { FittedModel, ThresholdOptions, TrainingData } from './detector.js';
import { buildMetadata, calibratedThreshold, flooredStd } from './detector-metadata.js';
import { columnMean, columnStd } from './level-shift.js';
import { ONNX_DOUBLE, OnnxGraphBuilder } from './onnx/onnx-graph.js';
import { finishSumScoreGraph } from './onnx/sum-score-outputs.js';
import { symmetricEigen } from './symmetric-eigen.js';
import { rollingMeans, tileVector, windowPoolingMatrix } from './window-rows.js';

/**
 * PCA with Hotelling's T² and the squared prediction error Q, on standardized
 * readings (window 1, the classic baseline) or on means of the last W readings.
 *
 *   z = (x - mean) / std;  t = z P (k principal components);  r = z - t P'
 *   T² = sum_j t_j² / λ_j;  Q = |r|²;  score = T² / k + Q / E[Q]
 *
 * Per-feature errors: y = t Λ^-1/2 P' has |y|² = T², so e_c = y_c² / k + r_c² / E[Q]
 * is nonnegative and sums to the score.
 */
export interface PcaOptions {
  window: number;
  /** Smallest share of the variance the components must explain. */
  explainedVariance: number;
  /** Share of the fitting rows, taken from their end, held back to calibrate the threshold (0 = calibrate in-sample). */
  calibrationShare: number;
  threshold: ThresholdOptions;
  alarm?: AlarmRule;
}

export const DEFAULT_PCA_OPTIONS: PcaOptions = {
  window: 1,
  explainedVariance: 0.9,
  calibrationShare: 0,
  threshold: { quantile: 0.99, margin: 1 },
};

export interface PcaParameters {
  window: number;
  mean: number[];
  std: number[];
  /** Loadings [F][k], row-major. */
  loadings: Float64Array;
  eigenvalues: number[];
  components: number;
  tNorm: number;
  qNorm: number;
}

export interface FittedPca extends FittedModel {
  parameters: PcaParameters;
}

export function fitPca(data: TrainingData, options: PcaOptions): FittedPca {
  const width = data.schema.features.length;
  const W = options.window;
  const featureRows = data.rows - W + 1;
  const calibrationRows = Math.round(featureRows * options.calibrationShare);
  const fitRows = featureRows - calibrationRows;
  if (fitRows < Math.max(20, 2 * width)) {
    throw new ImindError(
      'training_failed',
      `PCA needs at least ${Math.max(20, 2 * width)} rows to fit, got ${fitRows}`,
    );
  }
  const features =
    W === 1 ? data.values.subarray(0, data.rows * width) : rollingMeans(data.values, data.rows, width, W);
  const mean = Array.from(columnMean(features, width, 0, fitRows));
  const std = flooredStd(columnStd(features.subarray(0, fitRows * width), fitRows, width), data);
  const z = new Float64Array(featureRows * width);
  for (let i = 0; i < z.length; i++) z[i] = (features[i]! - mean[i % width]!) / std[i % width]!;
  const cov = new Float64Array(width * width);
  for (let r = 0; r < fitRows; r++)
    for (let i = 0; i < width; i++) {
      const zi = z[r * width + i]!;
      for (let j = 0; j < width; j++) cov[i * width + j]! += zi * z[r * width + j]!;
    }
  for (let i = 0; i < cov.length; i++) cov[i]! /= Math.max(1, fitRows - 1);
  const eig = symmetricEigen(cov, width);
  const total = eig.values.reduce((a, b) => a + Math.max(0, b), 0);
  const floor = Math.max(total * 1e-6, 1e-12);
  const lambdas = Array.from(eig.values, (v) => Math.max(v, floor));
  let k = 1;
  let explained = lambdas[0]!;
  while (k < width && explained < options.explainedVariance * total) explained += lambdas[k++]!;
  const loadings = new Float64Array(width * k);
  for (let r = 0; r < width; r++) for (let j = 0; j < k; j++) loadings[r * k + j] = eig.vectors[r * width + j]!;
  const residual = lambdas.slice(k).reduce((a, b) => a + b, 0);
  const parameters: PcaParameters = {
    window: W,
    mean,
    std,
    loadings,
    eigenvalues: lambdas.slice(0, k),
    components: k,
    tNorm: k,
    qNorm: Math.max(residual, floor),
  };
  const from = calibrationRows > 0 ? fitRows : 0;
  const { score } = pcaScoresOfStandardized(parameters, z.subarray(from * width), featureRows - from);
  const { value, sorted } = calibratedThreshold(score, options.threshold);
  const onnxBytes = exportPcaOnnx(parameters);
  const metadata = buildMetadata({
    kind: 'pca',
    versionPrefix: 'pca',
    window: W,
    data,
    onnxBytes,
    scaler: { mean, std },
    threshold: {
      value,
      method: calibrationRows > 0 ? 'holdout-tail-quantile' : 'in-sample-quantile',
      options: options.threshold,
    },
    calibrationSorted: sorted,
    training: { trainRows: fitRows, validationRows: featureRows - from, epochs: 0, seed: 0 },
    settings: {
      components: k,
      explainedVariance: options.explainedVariance,
      calibrationShare: options.calibrationShare,
    },
    ...(options.alarm ? { alarm: options.alarm } : {}),
  });
  return { onnxBytes, metadata, parameters };
}

function pcaScoresOfStandardized(p: PcaParameters, z: Float64Array, n: number) {
  const width = p.mean.length;
  const k = p.components;
  const score = new Float64Array(n);
  const featureErrors = new Float64Array(n * width);
  const t = new Float64Array(k);
  for (let r = 0; r < n; r++) {
    t.fill(0);
    for (let i = 0; i < width; i++) {
      const zi = z[r * width + i]!;
      for (let j = 0; j < k; j++) t[j]! += zi * p.loadings[i * k + j]!;
    }
    for (let c = 0; c < width; c++) {
      let y = 0;
      let recon = 0;
      for (let j = 0; j < k; j++) {
        y += (t[j]! / Math.sqrt(p.eigenvalues[j]!)) * p.loadings[c * k + j]!;
        recon += t[j]! * p.loadings[c * k + j]!;
      }
      const r2 = (z[r * width + c]! - recon) ** 2;
      const e = (y * y) / p.tNorm + r2 / p.qNorm;
      featureErrors[r * width + c] = e;
      score[r]! += e;
    }
  }
  return { score, featureErrors };
}

/** Float64 reference of the ONNX graph over raw window rows [n][W*F]. */
export function pcaReference(p: PcaParameters, rows: ArrayLike<number>, n: number) {
  const width = p.mean.length;
  const W = p.window;
  const z = new Float64Array(n * width);
  for (let r = 0; r < n; r++)
    for (let c = 0; c < width; c++) {
      let sum = 0;
      for (let w = 0; w < W; w++) sum += rows[r * W * width + w * width + c]! - p.mean[c]!;
      z[r * width + c] = sum / W / p.std[c]!;
    }
  return pcaScoresOfStandardized(p, z, n);
}

/** ONNX graph (double precision inside, like level-shift): raw rows [batch, W*F] in, score and e out. */
export function exportPcaOnnx(p: PcaParameters): Uint8Array {
  const width = p.mean.length;
  const W = p.window;
  const k = p.components;
  const g = new OnnxGraphBuilder('imind_pca_t2_q');
  const x = g.cast(g.input(ONNX_INPUT, ['batch', W * width]), ONNX_DOUBLE);
  const centred = g.node('Sub', [x, g.constant64('mean', [W * width], tileVector(p.mean, W))]);
  const scaled = g.node('Mul', [
    centred,
    g.constant64(
      'inv_std',
      [W * width],
      tileVector(
        p.std.map((s) => 1 / (s * W)),
        W,
      ),
    ),
  ]);
  const z =
    W === 1
      ? scaled
      : g.node('MatMul', [scaled, g.constant64('pool', [W * width, width], windowPoolingMatrix(width, W, 1))]);
  const t = g.node('MatMul', [z, g.constant64('loadings', [width, k], p.loadings)]);
  const whiten = new Float64Array(k * width);
  const back = new Float64Array(k * width);
  for (let j = 0; j < k; j++)
    for (let c = 0; c < width; c++) {
      whiten[j * width + c] = p.loadings[c * k + j]! / Math.sqrt(p.eigenvalues[j]!);
      back[j * width + c] = p.loadings[c * k + j]!;
    }
  const y = g.node('MatMul', [t, g.constant64('whiten', [k, width], whiten)]);
  const t2 = g.node('Mul', [g.node('Mul', [y, y]), g.constant64('t_norm', [1], [1 / p.tNorm])]);
  const r = g.node('Sub', [z, g.node('MatMul', [t, g.constant64('loadings_t', [k, width], back)])]);
  const q = g.node('Mul', [g.node('Mul', [r, r]), g.constant64('q_norm', [1], [1 / p.qNorm])]);
  const errors = g.node('Add', [t2, q]);
  return finishSumScoreGraph(g, errors, width);
}
