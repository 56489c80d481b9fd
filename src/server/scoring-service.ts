import type { Model } from '../model/model.js';
import type { Reading } from '../schema/reading.js';
import { defaultValidationOptions } from '../schema/validation-options.js';
import { apiSchemas, type ApiSchemas } from './api-schemas.js';
import { MicroBatcher } from './micro-batcher.js';
import { RequestValidator } from './request-validator.js';
import { PredictionSerializer } from './serialize.js';
import type { ServerSettings } from './settings.js';

/** What the server needs of a model: Model itself, or a test double. */
export type ScoringModel = Pick<Model, 'schema' | 'version' | 'threshold' | 'predict' | 'dispose'>;

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
   * Scores one reading at the middle of every range and checks the result:
   * the server is ready only after this succeeded.
   */
  async selfTest(): Promise<void> {
    const features = this.model.schema.features;
    const reading: Reading = {
      row: 1,
      timestamp: 0,
      machineId: 'imind-self-test',
      values: Float64Array.from(features, (f) => (f.min + f.max) / 2),
    };
    const [prediction] = await this.model.predict([reading]);
    if (!prediction || !Number.isFinite(prediction.score) || prediction.contributions.length !== features.length) {
      throw new Error(`the test score was ${prediction ? prediction.score : 'missing'}`);
    }
  }
}
