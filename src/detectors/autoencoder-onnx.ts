import { VERSION } from '../version.js';
import type { DenseLayer } from './dense-network.js';
import { OnnxGraphBuilder } from './onnx/onnx-graph.js';

export const ONNX_INPUT = 'input';
export const ONNX_SCORE = 'score';
export const ONNX_FEATURE_ERRORS = 'feature_errors';

/**
 * Exports a dense autoencoder as one ONNX graph that takes raw readings and
 * returns the score and per-feature squared errors, with the scaler inside:
 *   z = (x - mean) / std;  recon = AE(z);  e = (z - recon)^2;  score = mean(e, axis 1)
 */
export function exportAutoencoderOnnx(
  layers: readonly DenseLayer[],
  scaler: { mean: number[]; std: number[] },
): Uint8Array {
  const width = scaler.mean.length;
  const g = new OnnxGraphBuilder('imind_autoencoder');
  const x = g.input(ONNX_INPUT, ['batch', width]);
  const centred = g.node('Sub', [x, g.constant('scaler_mean', [width], scaler.mean)]);
  const z = g.node('Div', [centred, g.constant('scaler_std', [width], scaler.std)]);
  let h = z;
  for (const layer of layers) {
    const w = g.constant('weight', [layer.inSize, layer.outSize], layer.weights);
    const b = g.constant('bias', [layer.outSize], layer.bias);
    h = g.node('Gemm', [h, w, b]);
    if (layer.activation === 'tanh') h = g.node('Tanh', [h]);
  }
  const diff = g.node('Sub', [z, h]);
  const errors = g.node('Mul', [diff, diff], [], ONNX_FEATURE_ERRORS);
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
