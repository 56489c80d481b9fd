import { Prng } from '../util/prng.js';
import { Adam, backward, forwardAll, initLayers, type DenseLayer } from './dense-network.js';

export interface AutoencoderTrainingOptions {
  /** Layer sizes including input and output, e.g. [4, 8, 2, 8, 4]. */
  layers: number[];
  epochs: number;
  batchSize: number;
  learningRate: number;
  seed: number;
}

export interface TrainedAutoencoder {
  layers: DenseLayer[];
  finalTrainLoss: number;
}

/** Default architecture: width -> 2w -> w/2 -> 2w -> width (at least 8 hidden, 2 latent). */
export function defaultLayerSizes(width: number): number[] {
  const hidden = Math.max(8, 2 * width);
  const latent = Math.max(2, Math.ceil(width / 2));
  return [width, hidden, latent, hidden, width];
}

/**
 * Fits a dense autoencoder with Adam on already-scaled rows (row-major
 * [n][width]), minimising mean squared reconstruction error. Deterministic for
 * a given seed.
 */
export function trainAutoencoder(
  scaled: Float64Array,
  n: number,
  options: AutoencoderTrainingOptions,
): TrainedAutoencoder {
  const width = options.layers[0]!;
  const rng = new Prng(options.seed);
  const layers = initLayers(options.layers, rng);
  const params = layers.flatMap((l) => [l.weights, l.bias]);
  const gradW = layers.map((l) => new Float64Array(l.weights.length));
  const gradB = layers.map((l) => new Float64Array(l.bias.length));
  const grads = layers.flatMap((_, k) => [gradW[k]!, gradB[k]!]);
  const adam = new Adam(params, options.learningRate);
  const order = Uint32Array.from({ length: n }, (_, i) => i);
  const batch = new Float64Array(options.batchSize * width);
  let finalTrainLoss = Number.NaN;
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    rng.shuffle(order);
    let lossSum = 0;
    let rows = 0;
    for (let start = 0; start < n; start += options.batchSize) {
      const size = Math.min(options.batchSize, n - start);
      for (let r = 0; r < size; r++)
        batch.set(scaled.subarray(order[start + r]! * width, (order[start + r]! + 1) * width), r * width);
      const input = batch.subarray(0, size * width);
      const acts = forwardAll(layers, input, size);
      lossSum += backward(layers, acts, input, size, gradW, gradB) * size;
      rows += size;
      adam.step(params, grads);
    }
    finalTrainLoss = lossSum / Math.max(1, rows);
  }
  return { layers, finalTrainLoss };
}

/** Per-feature squared reconstruction errors [n][width] of scaled rows (float64 reference of the ONNX graph). */
export function reconstructionErrors(layers: readonly DenseLayer[], scaled: Float64Array, n: number): Float64Array {
  const acts = forwardAll(layers, scaled, n);
  const recon = acts[acts.length - 1]!;
  const out = new Float64Array(recon.length);
  for (let i = 0; i < recon.length; i++) out[i] = (scaled[i]! - recon[i]!) ** 2;
  return out;
}

/** Row scores: mean of the per-feature squared errors. */
export function meanPerRow(errors: Float64Array, n: number, width: number): Float64Array {
  const scores = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    let s = 0;
    for (let c = 0; c < width; c++) s += errors[r * width + c]!;
    scores[r] = s / width;
  }
  return scores;
}
