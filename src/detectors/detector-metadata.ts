import { MODEL_FORMAT, type AlarmRule, type ModelMetadata } from '../model/model-metadata.js';
import { sha256 } from '../model/model-files.js';
import { describeDistribution, quantileSorted, sortedCopy } from '../model/statistics.js';
import { ONNX_FEATURE_ERRORS, ONNX_INPUT, ONNX_SCORE } from './autoencoder-onnx.js';
import type { ThresholdOptions, TrainingData } from './detector.js';

const REPORTED_QUANTILES = [0.5, 0.9, 0.95, 0.99, 0.995, 0.999, 1];

/** The threshold as quantile x margin of calibration scores (held-back normal data). */
export function calibratedThreshold(
  scores: ArrayLike<number>,
  options: ThresholdOptions,
): { value: number; sorted: Float64Array } {
  const sorted = sortedCopy(scores);
  const q = quantileSorted(sorted, options.quantile);
  return { value: Number.isFinite(q) ? Math.max(0, q * options.margin) : 0, sorted };
}

export interface MetadataParts {
  kind: string;
  /** Short prefix of the model version, e.g. "pca". */
  versionPrefix: string;
  window: number;
  data: TrainingData;
  onnxBytes: Uint8Array;
  scaler: { mean: number[]; std: number[] };
  threshold: { value: number; method: string; options: ThresholdOptions };
  /** Sorted calibration scores (for the reported quantiles). */
  calibrationSorted: Float64Array;
  training: {
    trainRows: number;
    validationRows: number;
    epochs: number;
    seed: number;
    learningRate?: number;
    batchSize?: number;
    finalTrainLoss?: number;
  };
  settings?: Record<string, number>;
  layers?: number[];
  activation?: string;
  alarm?: AlarmRule;
}

/** The sidecar every detector writes: provenance, scaler, threshold, training distribution, ONNX names. */
export function buildMetadata(p: MetadataParts): ModelMetadata {
  const width = p.data.schema.features.length;
  const onnxSha = sha256(p.onnxBytes);
  const distribution: ModelMetadata['distribution'] = {};
  p.data.schema.features.forEach((f, c) => {
    const column = new Float64Array(p.data.rows);
    for (let r = 0; r < p.data.rows; r++) column[r] = p.data.values[r * width + c]!;
    distribution[f.name] = describeDistribution(column);
  });
  const quantiles: Record<string, number> = {};
  if (p.calibrationSorted.length > 0) {
    for (const q of REPORTED_QUANTILES)
      quantiles[`p${Math.round(q * 1000) / 10}`] = quantileSorted(p.calibrationSorted, q);
  }
  return {
    format: MODEL_FORMAT,
    modelVersion: `${p.versionPrefix}-${onnxSha.slice(0, 12)}`,
    detector: {
      kind: p.kind,
      window: p.window,
      ...(p.layers ? { layers: p.layers } : {}),
      ...(p.activation ? { activation: p.activation } : {}),
      ...(p.settings ? { settings: p.settings } : {}),
    },
    schema: p.data.schema,
    scaler: p.scaler,
    threshold: {
      value: p.threshold.value,
      method: p.threshold.method,
      quantile: p.threshold.options.quantile,
      margin: p.threshold.options.margin,
    },
    training: {
      dataSha256: p.data.dataSha256,
      files: p.data.files,
      rows: p.data.rows,
      ...p.training,
      validationErrorQuantiles: quantiles,
    },
    distribution,
    ...(p.alarm ? { alarm: p.alarm } : {}),
    onnx: {
      file: 'model.onnx',
      sha256: onnxSha,
      inputName: ONNX_INPUT,
      scoreOutput: ONNX_SCORE,
      featureErrorsOutput: ONNX_FEATURE_ERRORS,
    },
  };
}

/** Per-feature standard deviations floored so a constant feature cannot divide by ~0. */
export function flooredStd(std: readonly number[], data: TrainingData, relativeFloor = 1e-6): number[] {
  return std.map((s, c) => {
    const f = data.schema.features[c]!;
    return Math.max(s, (f.max - f.min) * relativeFloor, 1e-12);
  });
}
