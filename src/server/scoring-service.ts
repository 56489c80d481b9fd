import type { Model } from '../model/model.js';
import { defaultValidationOptions } from '../schema/validation-options.js';
import { apiSchemas, type ApiSchemas } from './api-schemas.js';
import type { RequestNote } from './logging-access.js';
import { MachineRegistry } from './machine-registry.js';
import { MicroBatcher } from './micro-batcher.js';
import { deadlineExceeded } from './limits-gate.js';
import { RequestValidator } from './request-validator.js';
import { PredictionSerializer } from './serialize.js';
import type { ServerSettings } from './settings.js';

/** performance.now() by which a request must be answered (see limits-gate.ts). */
type Deadline = { readonly deadline?: number };

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
  /** Per-machine models; readings of other machines go to `model`. */
  readonly machines: MachineRegistry;

  constructor(
    readonly model: ScoringModel,
    readonly settings: ServerSettings,
  ) {
    const options = defaultValidationOptions({ clockSkewMs: settings.clockSkewMs, now: settings.now });
    this.schemas = apiSchemas(model.schema, options, settings.maxBatchReadings);
    this.validator = new RequestValidator(model.schema, options, settings.maxBatchReadings, this.schemas);
    this.machines = new MachineRegistry(model, settings);
    this.batcher = new MicroBatcher(
      (readings) => this.machines.predict(readings),
      Math.max(1, settings.microBatchMaxRows),
    );
    this.serializer = new PredictionSerializer(model.schema.features.map((f) => f.name));
  }

  /** POST /predict: validated body → response JSON (machine and verdict noted for the access log). */
  async predictOne(body: unknown, note?: RequestNote & Deadline): Promise<string> {
    const reading = this.validator.reading(body);
    const refused = this.machines.refusal(reading.machineId, 'machine_id');
    if (refused) throw refused;
    const prediction = await this.batcher.submit(reading, note?.deadline);
    if (note) {
      note.machineId = prediction.machineId;
      note.isAnomaly = prediction.isAnomaly;
    }
    return this.serializer.prediction(prediction);
  }

  /** POST /predict/batch: validated body → response JSON (one call per model: the default, each machine's). */
  async predictBatch(body: unknown, note?: RequestNote & Deadline): Promise<string> {
    const readings = this.validator.batch(body);
    if (this.machines.size > 0)
      readings.forEach((r, i) => {
        const refused = this.machines.refusal(r.machineId, `readings.${i}.machine_id`);
        if (refused) throw refused;
      });
    const started = performance.now();
    // A request whose deadline passed has been answered 504: leave no work behind.
    if (note?.deadline !== undefined && started > note.deadline) throw deadlineExceeded();
    const predictions = await this.machines.predict(readings);
    if (note) {
      note.readings = predictions.length;
      note.anomalies = predictions.reduce((n, p) => (p.isAnomaly ? n + 1 : n), 0);
    }
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
