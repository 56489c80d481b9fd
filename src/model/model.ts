import type { FeatureSchema } from '../schema/feature-schema.js';
import type { Reading } from '../schema/reading.js';
import { confidence } from './confidence.js';
import type { ModelMetadata } from './model-metadata.js';
import { readModelFiles } from './model-files.js';
import { OnnxSession, type SessionOptions } from './onnx-session.js';
import type { Prediction } from './prediction.js';

/**
 * A loaded, verified model: the sidecar plus one ONNX session. Scores batches
 * of validated readings into predictions. Release with dispose().
 */
export class Model {
  private buffer: Float32Array;

  private constructor(
    readonly metadata: ModelMetadata,
    private readonly session: OnnxSession,
  ) {
    this.buffer = new Float32Array(1024 * this.width);
  }

  static async load(path: string, options: SessionOptions = {}): Promise<Model> {
    const { metadata, onnxBytes } = await readModelFiles(path);
    const width = metadata.schema.features.length * metadata.detector.window;
    const session = await OnnxSession.create(
      onnxBytes,
      { input: metadata.onnx.inputName, score: metadata.onnx.scoreOutput, featureErrors: metadata.onnx.featureErrorsOutput },
      width,
      options,
    );
    return new Model(metadata, session);
  }

  get schema(): FeatureSchema {
    return this.metadata.schema;
  }

  get width(): number {
    return this.metadata.schema.features.length;
  }

  get threshold(): number {
    return this.metadata.threshold.value;
  }

  get version(): string {
    return this.metadata.modelVersion;
  }

  /** Raw scores and per-feature errors for a row-major float matrix of n readings. */
  async scoreMatrix(input: Float32Array, n: number) {
    return this.session.run(input, n);
  }

  /** Scores readings (in order) into predictions. */
  async predict(readings: readonly Reading[]): Promise<Prediction[]> {
    const n = readings.length;
    if (n === 0) return [];
    const width = this.width;
    if (this.buffer.length < n * width) this.buffer = new Float32Array(n * width);
    const input = this.buffer;
    for (let r = 0; r < n; r++) input.set(readings[r]!.values, r * width);
    const { score, featureErrors } = await this.session.run(input, n);
    const threshold = this.threshold;
    const predictions = new Array<Prediction>(n);
    for (let r = 0; r < n; r++) {
      const reading = readings[r]!;
      const s = score[r]!;
      predictions[r] = {
        row: reading.row,
        timestamp: reading.timestamp,
        machineId: reading.machineId,
        isAnomaly: s > threshold,
        score: s,
        threshold,
        confidence: confidence(s, threshold),
        contributions: shares(featureErrors, r * width, width),
      };
    }
    return predictions;
  }

  async dispose(): Promise<void> {
    await this.session.dispose();
  }
}

/** Each feature's share of the row's total squared error; all 0 when the total is 0. */
export function shares(errors: ArrayLike<number>, offset: number, width: number): Float64Array {
  const out = new Float64Array(width);
  let total = 0;
  for (let c = 0; c < width; c++) total += errors[offset + c]!;
  if (total > 0 && Number.isFinite(total)) for (let c = 0; c < width; c++) out[c] = errors[offset + c]! / total;
  return out;
}
