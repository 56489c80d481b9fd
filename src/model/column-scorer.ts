import type { ReadingColumns } from '../schema/reading-columns.js';
import { confidence } from './confidence.js';
import type { Model } from './model.js';
import { predictionColumns, type PredictionColumns } from './prediction.js';

/**
 * Scores batches of readings held by column (the file pipeline) with one ONNX
 * call each, into prediction columns: the same numbers as Model.predict, without
 * a Reading or Prediction object per row. Stateful models (windows, alarm rules)
 * go through Model.predict, which keeps their per-machine state.
 */
export class ColumnScorer {
  private input = new Float32Array(0);

  constructor(private readonly model: Model) {}

  async score(batch: ReadingColumns): Promise<PredictionColumns> {
    const model = this.model;
    const width = model.width;
    if (model.stateful) return predictionColumns(await model.predict(batch.toReadings()), width);
    const n = batch.count;
    if (this.input.length < n * width) this.input = new Float32Array(n * width);
    this.input.set(batch.values.subarray(0, n * width)); // float64 -> float32, as Model.predict does
    const { score, featureErrors } = await model.scoreMatrix(this.input, n);
    const threshold = model.threshold;
    const isAnomaly = new Uint8Array(n);
    const confidences = new Float64Array(n);
    const contributions = new Float64Array(n * width);
    for (let r = 0; r < n; r++) {
      const s = score[r]!;
      isAnomaly[r] = s > threshold ? 1 : 0;
      confidences[r] = confidence(s, threshold);
      shareInto(featureErrors, contributions, r * width, width);
    }
    return {
      count: n,
      width,
      rows: batch.rows,
      timestamps: batch.timestamps,
      machineIds: batch.machineIds,
      isAnomaly,
      scores: score,
      thresholds: new Float64Array(n).fill(threshold),
      confidence: confidences,
      contributions,
    };
  }
}

/** Each feature's share of the row's total squared error, as `shares` in model.ts; all 0 when the total is 0. */
function shareInto(errors: ArrayLike<number>, out: Float64Array, offset: number, width: number): void {
  let total = 0;
  for (let c = 0; c < width; c++) total += errors[offset + c]!;
  if (total > 0 && Number.isFinite(total))
    for (let c = 0; c < width; c++) out[offset + c] = errors[offset + c]! / total;
}
