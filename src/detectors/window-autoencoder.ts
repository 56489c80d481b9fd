import { ImindError } from '../errors.js';
import type { AlarmRule } from '../model/model-metadata.js';
import { VERSION } from '../version.js';
import { ONNX_FEATURE_ERRORS, ONNX_INPUT, ONNX_SCORE } from './autoencoder-onnx.js';
import { reconstructionErrors, trainAutoencoder } from './autoencoder-trainer.js';
import type { DenseLayer } from './dense-network.js';
import type { FittedModel, ThresholdOptions, TrainingData } from './detector.js';
import { buildMetadata, calibratedThreshold, flooredStd } from './detector-metadata.js';
import { columnMean, columnStd } from './level-shift.js';
import { OnnxGraphBuilder } from './onnx/onnx-graph.js';
import { flattenWindows, tileVector, windowPoolingMatrix } from './window-rows.js';

/**
 * A dense autoencoder over the flattened last W readings of a machine. The
 * scaler (per feature, the same at every lag) is inside the graph; the score is
 * the mean squared reconstruction error, and feature c's error is the mean over
 * the window's lags of its squared errors (so the score is the mean of those).
 * The threshold is quantile x margin of the errors of the last
 * `calibrationShare` of the fitting rows (held back, in time order).
 */
export interface WindowAutoencoderOptions {
  window: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  seed: number;
  calibrationShare: number;
  threshold: ThresholdOptions;
  /** Layer sizes including input and output (W*F); default W*F -> W*F/2 -> F/2 -> W*F/2 -> W*F. */
  layers?: number[];
  alarm?: AlarmRule;
}

export const DEFAULT_WINDOW_AUTOENCODER_OPTIONS: WindowAutoencoderOptions = {
  window: 10,
  epochs: 60,
  batchSize: 32,
  learningRate: 0.003,
  seed: 1,
  calibrationShare: 0.25,
  threshold: { quantile: 0.99, margin: 1.5 },
};

export interface WindowAutoencoderParameters {
  window: number;
  mean: number[];
  std: number[];
  layers: DenseLayer[];
}

export interface FittedWindowAutoencoder extends FittedModel {
  parameters: WindowAutoencoderParameters;
}

export function defaultWindowLayerSizes(width: number, window: number): number[] {
  const inputs = width * window;
  const hidden = Math.max(16, Math.round(inputs / 2));
  const latent = Math.max(2, Math.ceil(width / 2));
  return [inputs, hidden, latent, hidden, inputs];
}

export function fitWindowAutoencoder(data: TrainingData, options: WindowAutoencoderOptions): FittedWindowAutoencoder {
  const width = data.schema.features.length;
  const W = options.window;
  const calibrationRows = Math.round(data.rows * options.calibrationShare);
  const fitRows = data.rows - calibrationRows;
  const fitWindows = fitRows - W + 1;
  if (fitWindows < 30)
    throw new ImindError(
      'training_failed',
      `window-autoencoder with window ${W} needs at least ${W + 29 + calibrationRows} rows, got ${data.rows}`,
    );
  const mean = Array.from(columnMean(data.values, width, 0, fitRows));
  const std = flooredStd(columnStd(data.values.subarray(0, fitRows * width), fitRows, width), data);
  const scaled = new Float64Array(data.rows * width);
  for (let i = 0; i < scaled.length; i++) scaled[i] = (data.values[i]! - mean[i % width]!) / std[i % width]!;
  const train = flattenWindows(scaled, fitRows, width, W);
  const layerSizes = options.layers ?? defaultWindowLayerSizes(width, W);
  const trained = trainAutoencoder(train, fitWindows, {
    layers: layerSizes,
    epochs: options.epochs,
    batchSize: options.batchSize,
    learningRate: options.learningRate,
    seed: options.seed,
  });
  // Calibrate on windows that lie wholly in the held-back tail (or in-sample when nothing is held back).
  const calStart = calibrationRows >= W ? fitRows : 0;
  const calRows = data.rows - calStart;
  const calWindows = flattenWindows(scaled.subarray(calStart * width), calRows, width, W);
  const nCal = calRows - W + 1;
  const calScores = rowMeans(reconstructionErrors(trained.layers, calWindows, nCal), nCal, W * width);
  const { value, sorted } = calibratedThreshold(calScores, options.threshold);
  const parameters: WindowAutoencoderParameters = { window: W, mean, std, layers: trained.layers };
  const onnxBytes = exportWindowAutoencoderOnnx(parameters);
  const metadata = buildMetadata({
    kind: 'window-autoencoder',
    versionPrefix: 'wae',
    window: W,
    data,
    onnxBytes,
    scaler: { mean, std },
    threshold: {
      value,
      method: calStart > 0 ? 'holdout-tail-quantile' : 'in-sample-quantile',
      options: options.threshold,
    },
    calibrationSorted: sorted,
    training: {
      trainRows: fitWindows,
      validationRows: nCal,
      epochs: options.epochs,
      seed: options.seed,
      learningRate: options.learningRate,
      batchSize: options.batchSize,
      finalTrainLoss: trained.finalTrainLoss,
    },
    layers: layerSizes,
    activation: 'tanh',
    settings: { calibrationShare: options.calibrationShare },
    ...(options.alarm ? { alarm: options.alarm } : {}),
  });
  return { onnxBytes, metadata, parameters };
}

function rowMeans(values: Float64Array, n: number, width: number): Float64Array {
  const out = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    let s = 0;
    for (let c = 0; c < width; c++) s += values[r * width + c]!;
    out[r] = s / width;
  }
  return out;
}

export function exportWindowAutoencoderOnnx(p: WindowAutoencoderParameters): Uint8Array {
  const width = p.mean.length;
  const W = p.window;
  const g = new OnnxGraphBuilder('imind_window_autoencoder');
  const x = g.input(ONNX_INPUT, ['batch', W * width]);
  const centred = g.node('Sub', [x, g.constant('mean', [W * width], tileVector(p.mean, W))]);
  const z = g.node('Mul', [
    centred,
    g.constant(
      'inv_std',
      [W * width],
      tileVector(
        p.std.map((s) => 1 / s),
        W,
      ),
    ),
  ]);
  let h = z;
  for (const layer of p.layers) {
    h = g.node('Gemm', [
      h,
      g.constant('weight', [layer.inSize, layer.outSize], layer.weights),
      g.constant('bias', [layer.outSize], layer.bias),
    ]);
    if (layer.activation === 'tanh') h = g.node('Tanh', [h]);
  }
  const diff = g.node('Sub', [z, h]);
  const squared = g.node('Mul', [diff, diff]);
  const errors = g.node(
    'MatMul',
    [squared, g.constant('pool', [W * width, width], windowPoolingMatrix(width, W, 1 / W))],
    [],
    ONNX_FEATURE_ERRORS,
  );
  g.node(
    'ReduceMean',
    [errors],
    [
      { name: 'axes', ints: [1] },
      { name: 'keepdims', int: 0 },
    ],
    ONNX_SCORE,
  );
  g.output(ONNX_FEATURE_ERRORS, ['batch', width]);
  g.output(ONNX_SCORE, ['batch']);
  return g.toBytes({ name: 'imind', version: VERSION });
}

/** Float64 reference of the ONNX graph over raw window rows [n][W*F]. */
export function windowAutoencoderReference(p: WindowAutoencoderParameters, rows: ArrayLike<number>, n: number) {
  const width = p.mean.length;
  const W = p.window;
  const z = new Float64Array(n * W * width);
  for (let i = 0; i < z.length; i++) z[i] = (rows[i]! - p.mean[i % width]!) / p.std[i % width]!;
  const e = reconstructionErrors(p.layers, z, n);
  const featureErrors = new Float64Array(n * width);
  const score = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    for (let w = 0; w < W; w++)
      for (let c = 0; c < width; c++) featureErrors[r * width + c]! += e[r * W * width + w * width + c]! / W;
    for (let c = 0; c < width; c++) score[r]! += featureErrors[r * width + c]! / width;
  }
  return { score, featureErrors };
}
