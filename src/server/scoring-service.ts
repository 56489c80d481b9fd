import type { Model } from '../model/model.js';
import { defaultValidationOptions } from '../schema/validation-options.js';
import { apiSchemas, type ApiSchemas } from './api-schemas.js';
import { MicroBatcher } from './micro-batcher.js';
import { RequestValidator } from './request-validator.js';
import { PredictionSerializer } from './serialize.js';
import type { ServerSettings } from './settings.js';

/** What the server needs of a model: Model itself, or a test double. */
export type ScoringModel = Pick<
  Model,
  'schema' | 'version' | 'threshold' | 'inputWidth' | 'stateful' | 'predict' | 'scoreMatrix' | 'dispose'
>;

/**
 * Everything built once per loaded model: request validation, the micro-batcher,
 * the response serializer and the API's zod schemas. Scoring is Model.predict,
 * the same code as `imind predict`.
 */
export class ScoringService {
  readonly schemas: ApiSchemas;
  readonly validator: RequestValidator;
  readonly batcher: MicroBatcher;
  readonly serializer: PredictionSerializer;

  constructor(
    readonly model: ScoringModel,
    readonly settings: ServerSettings,
  ) {
    const options = defaultValidationOptions({ clockSkewMs: settings.clockSkewMs, now: settings.now });
    this.schemas = apiSchemas(model.schema, options, settings.maxBatchReadings);
    this.validator = new RequestValidator(model.schema, options, settings.maxBatchReadings, this.schemas);
    this.batcher = new MicroBatcher((readings) => model.predict(readings), Math.max(1, settings.microBatchMaxRows));
    this.serializer = new PredictionSerializer(model.schema.features.map((f) => f.name));
  }

  /** POST /predict: validated body → response JSON. */
  async predictOne(body: unknown): Promise<string> {
    const reading = this.validator.reading(body);
    const prediction = await this.batcher.submit(reading);
    return this.serializer.prediction(prediction);
  }

  /** POST /predict/batch: validated body → response JSON (one model call). */
  async predictBatch(body: unknown): Promise<string> {
    const readings = this.validator.batch(body);
    const started = performance.now();
    const predictions = await this.model.predict(readings);
    return this.serializer.batch(predictions, performance.now() - started);
  }

  /**
   * Runs the ONNX session once on one input row at the middle of every range
   * (a full window for windowed models) and checks the score: the server is
   * ready only after this succeeded. It goes around Model.predict so that no
   * machine's window or alarm state is touched.
   */
  async selfTest(): Promise<void> {
    const features = this.model.schema.features;
    const width = this.model.inputWidth;
    const row = Float32Array.from({ length: width }, (_, i) => {
      const f = features[i % features.length]!;
      return (f.min + f.max) / 2;
    });
    const { score, featureErrors } = await this.model.scoreMatrix(row, 1);
    if (score.length < 1 || !Number.isFinite(score[0]!) || featureErrors.length < features.length) {
      throw new Error(`the test score was ${score.length < 1 ? 'missing' : String(score[0])}`);
    }
  }
}
