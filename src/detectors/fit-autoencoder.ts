import { ImindError } from '../errors.js';
import { MODEL_FORMAT, type ModelMetadata } from '../model/model-metadata.js';
import { sha256 } from '../model/model-files.js';
import { columnMoments, describeDistribution, quantileSorted, sortedCopy } from '../model/statistics.js';
import { Prng } from '../util/prng.js';
import { ONNX_FEATURE_ERRORS, ONNX_INPUT, ONNX_SCORE, exportAutoencoderOnnx } from './autoencoder-onnx.js';
import { defaultLayerSizes, meanPerRow, reconstructionErrors, trainAutoencoder } from './autoencoder-trainer.js';
import type { DenseLayer } from './dense-network.js';
import type { FittedModel, ThresholdOptions, TrainingData } from './detector.js';

/** The fitted model plus the trainer's own layers (the float64 reference of the ONNX graph). */
export interface FittedAutoencoder extends FittedModel {
  layers: DenseLayer[];
}

export interface AutoencoderFitOptions {
  epochs: number;
  batchSize: number;
  learningRate: number;
  seed: number;
  /** Share of rows held back (randomly, by seed) to calibrate the threshold. */
  validationShare: number;
  threshold: ThresholdOptions;
  layers?: number[];
}

export const DEFAULT_AUTOENCODER_OPTIONS: AutoencoderFitOptions = {
  epochs: 40,
  batchSize: 64,
  learningRate: 0.003,
  seed: 1,
  validationShare: 0.2,
  threshold: { quantile: 0.999, margin: 1.25 },
};

const MIN_ROWS = 50;
const REPORTED_QUANTILES = [0.5, 0.9, 0.95, 0.99, 0.995, 0.999];

/**
 * Fits the pointwise autoencoder: scaler on the training split, network, then
 * the threshold as quantile x margin of errors on the held-back split.
 */
export function fitAutoencoder(data: TrainingData, options: AutoencoderFitOptions): FittedAutoencoder {
  const width = data.schema.features.length;
  if (data.rows < MIN_ROWS) {
    throw new ImindError(
      'training_failed',
      `need at least ${MIN_ROWS} valid rows of normal data to train, got ${data.rows}`,
    );
  }
  const order = Uint32Array.from({ length: data.rows }, (_, i) => i);
  new Prng(options.seed ^ 0x5eed).shuffle(order);
  const validationRows = Math.max(10, Math.round(data.rows * options.validationShare));
  const trainRows = data.rows - validationRows;
  const pick = (from: number, to: number): Float64Array => {
    const out = new Float64Array((to - from) * width);
    for (let r = from; r < to; r++)
      out.set(data.values.subarray(order[r]! * width, (order[r]! + 1) * width), (r - from) * width);
    return out;
  };
  const train = pick(0, trainRows);
  const validation = pick(trainRows, data.rows);

  const { mean, std } = columnMoments(train, trainRows, width);
  // Floor the scale so a constant training feature cannot divide by ~0.
  const scaleStd = std.map((s, c) => {
    const f = data.schema.features[c]!;
    return Math.max(s, (f.max - f.min) * 1e-4);
  });
  const scale = (raw: Float64Array, n: number): Float64Array => {
    const out = new Float64Array(n * width);
    for (let i = 0; i < out.length; i++) out[i] = (raw[i]! - mean[i % width]!) / scaleStd[i % width]!;
    return out;
  };
  const layerSizes = options.layers ?? defaultLayerSizes(width);
  const trained = trainAutoencoder(scale(train, trainRows), trainRows, {
    layers: layerSizes,
    epochs: options.epochs,
    batchSize: options.batchSize,
    learningRate: options.learningRate,
    seed: options.seed,
  });
  const validationScores = sortedCopy(
    meanPerRow(
      reconstructionErrors(trained.layers, scale(validation, validationRows), validationRows),
      validationRows,
      width,
    ),
  );
  const threshold = quantileSorted(validationScores, options.threshold.quantile) * options.threshold.margin;

  const onnxBytes = exportAutoencoderOnnx(trained.layers, { mean, std: scaleStd });
  const onnxSha = sha256(onnxBytes);
  const distribution: ModelMetadata['distribution'] = {};
  data.schema.features.forEach((f, c) => {
    const column = new Float64Array(data.rows);
    for (let r = 0; r < data.rows; r++) column[r] = data.values[r * width + c]!;
    distribution[f.name] = describeDistribution(column);
  });
  const metadata: ModelMetadata = {
    format: MODEL_FORMAT,
    modelVersion: `ae-${onnxSha.slice(0, 12)}`,
    detector: { kind: 'autoencoder', window: 1, layers: layerSizes, activation: 'tanh' },
    schema: data.schema,
    scaler: { mean, std: scaleStd },
    threshold: {
      value: threshold,
      method: 'quantile',
      quantile: options.threshold.quantile,
      margin: options.threshold.margin,
    },
    training: {
      dataSha256: data.dataSha256,
      files: data.files,
      rows: data.rows,
      trainRows,
      validationRows,
      epochs: options.epochs,
      seed: options.seed,
      learningRate: options.learningRate,
      batchSize: options.batchSize,
      finalTrainLoss: trained.finalTrainLoss,
      validationErrorQuantiles: Object.fromEntries(
        REPORTED_QUANTILES.map((q) => [`p${q * 100}`, quantileSorted(validationScores, q)]),
      ),
    },
    distribution,
    onnx: {
      file: 'model.onnx',
      sha256: onnxSha,
      inputName: ONNX_INPUT,
      scoreOutput: ONNX_SCORE,
      featureErrorsOutput: ONNX_FEATURE_ERRORS,
    },
  };
  return { onnxBytes, metadata, layers: trained.layers };
}
