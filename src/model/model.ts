import type { FeatureSchema } from '../schema/feature-schema.js';
import type { Reading } from '../schema/reading.js';
import { confidence } from './confidence.js';
import { isPlainRule } from '../detectors/alarm-state.js';
import { StreamScorer, type StreamScorerOptions } from '../detectors/stream-scorer.js';
import { ImindError } from '../errors.js';
import { modelMetadataSchema, type ModelMetadata } from './model-metadata.js';
import { readModelFiles, sha256 } from './model-files.js';
import { OnnxSession, type SessionOptions } from './onnx-session.js';
import type { Prediction } from './prediction.js';

/**
 * A loaded, verified model: the sidecar plus one ONNX session. Scores batches
 * of validated readings into predictions. Release with dispose().
 *
 * A pointwise model (window 1) without an alarm rule scores every reading on its
 * own (stateless, the seed's behaviour). A windowed model, or one whose metadata
 * has an alarm rule, scores through one internal StreamScorer (per-machine
 * windows and alarm state kept across predict calls); createScorer() gives an
 * independent one (e.g. one per stream or per evaluation run).
 */
export class Model {
  private buffer: Float32Array;
  private defaultScorer: StreamScorer | null = null;

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
      {
        input: metadata.onnx.inputName,
        score: metadata.onnx.scoreOutput,
        featureErrors: metadata.onnx.featureErrorsOutput,
      },
      width,
      options,
    );
    return new Model(metadata, session);
  }

  /** A model from in-memory parts (e.g. just fitted), verified like a loaded one. */
  static async fromParts(
    parts: { onnxBytes: Uint8Array; metadata: ModelMetadata },
    options: SessionOptions = {},
  ): Promise<Model> {
    const parsed = modelMetadataSchema.safeParse(parts.metadata);
    if (!parsed.success)
      throw new ImindError(
        'model_unusable',
        `model metadata is invalid: ${parsed.error.issues[0]?.message ?? 'unknown problem'}`,
      );
    const metadata = parsed.data;
    if (sha256(parts.onnxBytes) !== metadata.onnx.sha256)
      throw new ImindError('model_unusable', 'the ONNX bytes do not match the model metadata');
    const session = await OnnxSession.create(
      parts.onnxBytes,
      {
        input: metadata.onnx.inputName,
        score: metadata.onnx.scoreOutput,
        featureErrors: metadata.onnx.featureErrorsOutput,
      },
      metadata.schema.features.length * metadata.detector.window,
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

  /** Readings per input row (1 for pointwise models). */
  get window(): number {
    return this.metadata.detector.window;
  }

  /** Values per input row of the ONNX graph: features x window. */
  get inputWidth(): number {
    return this.width * this.window;
  }

  /** True when predictions depend on earlier readings of the machine (windowed or alarm rule). */
  get stateful(): boolean {
    return this.window > 1 || !isPlainRule(this.metadata.alarm);
  }

  /** An independent per-machine scoring state over this model's session. */
  createScorer(options: StreamScorerOptions = {}): StreamScorer {
    return new StreamScorer(this, options);
  }

  get threshold(): number {
    return this.metadata.threshold.value;
  }

  get version(): string {
    return this.metadata.modelVersion;
  }

  /** Raw scores and per-feature errors for a row-major float matrix of n input rows (inputWidth values each). */
  async scoreMatrix(input: Float32Array, n: number) {
    return this.session.run(input, n);
  }

  /** Scores readings (in order) into predictions. */
  async predict(readings: readonly Reading[]): Promise<Prediction[]> {
    if (this.stateful) {
      this.defaultScorer ??= this.createScorer();
      return this.defaultScorer.score(readings);
    }
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
