import type { Prng } from '../util/prng.js';

export type Activation = 'tanh' | 'linear';

/** One fully connected layer; weights row-major [inSize][outSize]. */
export interface DenseLayer {
  inSize: number;
  outSize: number;
  activation: Activation;
  weights: Float64Array;
  bias: Float64Array;
}

/** Builds layers of the given sizes: tanh hidden layers, linear output (Glorot-uniform init). */
export function initLayers(sizes: readonly number[], rng: Prng): DenseLayer[] {
  const layers: DenseLayer[] = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    const inSize = sizes[l]!;
    const outSize = sizes[l + 1]!;
    const limit = Math.sqrt(6 / (inSize + outSize));
    const weights = new Float64Array(inSize * outSize);
    for (let i = 0; i < weights.length; i++) weights[i] = (rng.next() * 2 - 1) * limit;
    layers.push({
      inSize,
      outSize,
      activation: l + 2 === sizes.length ? 'linear' : 'tanh',
      weights,
      bias: new Float64Array(outSize),
    });
  }
  return layers;
}

/** Forward pass of one layer over n rows; returns the activations. */
export function forwardLayer(layer: DenseLayer, input: Float64Array, n: number): Float64Array {
  const { inSize, outSize, weights, bias } = layer;
  const out = new Float64Array(n * outSize);
  for (let r = 0; r < n; r++) {
    const ib = r * inSize;
    const ob = r * outSize;
    for (let o = 0; o < outSize; o++) out[ob + o] = bias[o]!;
    for (let i = 0; i < inSize; i++) {
      const x = input[ib + i]!;
      if (x === 0) continue;
      const wb = i * outSize;
      for (let o = 0; o < outSize; o++) out[ob + o]! += x * weights[wb + o]!;
    }
    if (layer.activation === 'tanh') for (let o = 0; o < outSize; o++) out[ob + o] = Math.tanh(out[ob + o]!);
  }
  return out;
}

/** Forward pass through every layer; returns each layer's activations (index 0 = input). */
export function forwardAll(layers: readonly DenseLayer[], input: Float64Array, n: number): Float64Array[] {
  const acts = [input];
  for (const layer of layers) acts.push(forwardLayer(layer, acts[acts.length - 1]!, n));
  return acts;
}

/**
 * Backward pass for mean-squared reconstruction error against `target`.
 * Returns the loss and fills gradient arrays (same shapes as the parameters).
 */
export function backward(
  layers: readonly DenseLayer[],
  acts: readonly Float64Array[],
  target: Float64Array,
  n: number,
  gradW: Float64Array[],
  gradB: Float64Array[],
): number {
  const last = acts[acts.length - 1]!;
  const width = layers[layers.length - 1]!.outSize;
  const scale = 2 / (n * width);
  let delta = new Float64Array(last.length);
  let loss = 0;
  for (let i = 0; i < last.length; i++) {
    const d = last[i]! - target[i]!;
    loss += d * d;
    delta[i] = d * scale;
  }
  for (let l = layers.length - 1; l >= 0; l--) {
    const layer = layers[l]!;
    const { inSize, outSize, weights } = layer;
    const input = acts[l]!;
    const gw = gradW[l]!.fill(0);
    const gb = gradB[l]!.fill(0);
    const prevDelta = l > 0 ? new Float64Array(n * inSize) : null;
    for (let r = 0; r < n; r++) {
      const ob = r * outSize;
      const ib = r * inSize;
      for (let o = 0; o < outSize; o++) gb[o]! += delta[ob + o]!;
      for (let i = 0; i < inSize; i++) {
        const x = input[ib + i]!;
        const wb = i * outSize;
        let back = 0;
        for (let o = 0; o < outSize; o++) {
          const d = delta[ob + o]!;
          gw[wb + o]! += x * d;
          back += weights[wb + o]! * d;
        }
        if (prevDelta) prevDelta[ib + i] = back;
      }
    }
    if (prevDelta) {
      // The previous layer's activation is tanh: d tanh = 1 - a^2.
      for (let i = 0; i < prevDelta.length; i++) {
        const a = input[i]!;
        prevDelta[i]! *= 1 - a * a;
      }
      delta = prevDelta;
    }
  }
  return loss / (n * width);
}

/** Adam optimizer state over a list of parameter arrays. */
export class Adam {
  private readonly m: Float64Array[];
  private readonly v: Float64Array[];
  private t = 0;

  constructor(
    params: readonly Float64Array[],
    private readonly learningRate: number,
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
    private readonly epsilon = 1e-8,
  ) {
    this.m = params.map((p) => new Float64Array(p.length));
    this.v = params.map((p) => new Float64Array(p.length));
  }

  step(params: readonly Float64Array[], grads: readonly Float64Array[]): void {
    this.t++;
    const c1 = 1 - this.beta1 ** this.t;
    const c2 = 1 - this.beta2 ** this.t;
    params.forEach((p, k) => {
      const g = grads[k]!;
      const m = this.m[k]!;
      const v = this.v[k]!;
      for (let i = 0; i < p.length; i++) {
        m[i] = this.beta1 * m[i]! + (1 - this.beta1) * g[i]!;
        v[i] = this.beta2 * v[i]! + (1 - this.beta2) * g[i]! * g[i]!;
        p[i]! -= (this.learningRate * (m[i]! / c1)) / (Math.sqrt(v[i]! / c2) + this.epsilon);
      }
    });
  }
}
