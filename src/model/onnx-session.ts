import type * as OrtModule from 'onnxruntime-node';
import { ImindError, describeError } from '../errors.js';

/**
 * The one module that imports onnxruntime-node: it creates a session once per
 * model and releases it on dispose. Scoring uses the async `run`; onnxruntime-node
 * 1.30 still executes the graph on the JS thread (in a later turn), so callers keep
 * batches bounded (about 90 ms per million rows of the default model).
 */
type Ort = typeof OrtModule;
let ortPromise: Promise<Ort> | null = null;

function loadOrt(): Promise<Ort> {
  // onnxruntime-node 1.30 collects usage telemetry by default (a database under ~/.cache and a
  // /tmp/mat-debug-<pid>.log per process); a plant-floor tool must not. Set before the library loads;
  // ORT_DISABLE_TELEMETRY=0 in the environment opts back in.
  process.env.ORT_DISABLE_TELEMETRY ??= '1';
  ortPromise ??= import('onnxruntime-node');
  return ortPromise;
}

export interface SessionOptions {
  /** Intra-op threads per session; 1 avoids oversubscribing cores across workers. */
  intraOpThreads?: number;
}

export interface ScoreOutputs {
  score: Float32Array;
  featureErrors: Float32Array;
}

export class OnnxSession {
  private constructor(
    private readonly ort: Ort,
    private readonly session: OrtModule.InferenceSession,
    private readonly names: { input: string; score: string; featureErrors: string },
    readonly inputWidth: number,
  ) {}

  static async create(
    bytes: Uint8Array,
    names: { input: string; score: string; featureErrors: string },
    inputWidth: number,
    options: SessionOptions = {},
  ): Promise<OnnxSession> {
    const ort = await loadOrt();
    try {
      const session = await ort.InferenceSession.create(bytes, {
        intraOpNumThreads: options.intraOpThreads ?? 1,
        interOpNumThreads: 1,
        graphOptimizationLevel: 'all',
        executionMode: 'sequential',
      });
      for (const out of [names.score, names.featureErrors]) {
        if (!session.outputNames.includes(out)) throw new Error(`the graph has no output "${out}"`);
      }
      if (!session.inputNames.includes(names.input)) throw new Error(`the graph has no input "${names.input}"`);
      return new OnnxSession(ort, session, names, inputWidth);
    } catch (error) {
      throw new ImindError('model_unusable', `the ONNX model cannot be loaded: ${describeError(error).split('\n')[0]}`);
    }
  }

  /** Scores `rows` rows of `inputWidth` float32 values. */
  async run(input: Float32Array, rows: number): Promise<ScoreOutputs> {
    const tensor = new this.ort.Tensor('float32', input.subarray(0, rows * this.inputWidth), [rows, this.inputWidth]);
    const out = await this.session.run({ [this.names.input]: tensor });
    return {
      score: out[this.names.score]!.data as Float32Array,
      featureErrors: out[this.names.featureErrors]!.data as Float32Array,
    };
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}
