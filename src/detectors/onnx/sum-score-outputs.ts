import { VERSION } from '../../version.js';
import { ONNX_FEATURE_ERRORS, ONNX_SCORE } from '../autoencoder-onnx.js';
import { ONNX_FLOAT, type OnnxGraphBuilder } from './onnx-graph.js';

/**
 * Ends a float64 graph whose per-feature errors [batch, width] are computed:
 * outputs them as float32 "feature_errors" and their sum (mean × width) as "score",
 * then serializes the model. Shared by the detectors whose score is a sum of per-feature terms.
 */
export function finishSumScoreGraph(g: OnnxGraphBuilder, errors: string, width: number): Uint8Array {
  const mean = g.node(
    'ReduceMean',
    [errors],
    [
      { name: 'axes', ints: [1] },
      { name: 'keepdims', int: 0 },
    ],
  );
  g.cast(errors, ONNX_FLOAT, ONNX_FEATURE_ERRORS);
  g.cast(g.node('Mul', [mean, g.constant64('features', [1], [width])]), ONNX_FLOAT, ONNX_SCORE);
  g.output(ONNX_FEATURE_ERRORS, ['batch', width]);
  g.output(ONNX_SCORE, ['batch']);
  return g.toBytes({ name: 'imind', version: VERSION });
}
