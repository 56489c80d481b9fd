import { LastValueCache, TimestampFormatter, jsonNumber } from '../io/text-format.js';
import type { Prediction } from '../model/prediction.js';

/** Thrown when the model produced a score JSON cannot carry (NaN, Infinity): a bug to log, not a client error. */
export class NonFiniteScoreError extends Error {
  constructor() {
    super('the model produced a non-finite anomaly score');
    this.name = 'NonFiniteScoreError';
  }
}

/**
 * Writes AnomalyPrediction JSON by concatenation: no intermediate object and
 * no JSON.stringify per prediction (the hot path of POST /predict). Field
 * order: the seed's, then contributions, then (stateful models only) status
 * and out_of_order.
 */
export class PredictionSerializer {
  private readonly keys: string[];
  private readonly timestamps = new TimestampFormatter();
  private readonly machineIds = new LastValueCache<string>((id) => JSON.stringify(id));
  private readonly thresholds = new LastValueCache<number>(jsonNumber);

  constructor(featureNames: readonly string[]) {
    this.keys = featureNames.map((name, i) => `${i === 0 ? '' : ','}${JSON.stringify(name)}:`);
  }

  prediction(p: Prediction): string {
    if (!Number.isFinite(p.score) || !Number.isFinite(p.confidence)) throw new NonFiniteScoreError();
    let out =
      (p.isAnomaly ? '{"is_anomaly":true,"anomaly_score":' : '{"is_anomaly":false,"anomaly_score":') +
      p.score +
      ',"threshold":' +
      this.thresholds.get(p.threshold) +
      ',"confidence":' +
      p.confidence +
      ',"timestamp":"' +
      this.timestamps.format(p.timestamp) +
      '","machine_id":' +
      this.machineIds.get(p.machineId) +
      ',"contributions":{';
    const keys = this.keys;
    const c = p.contributions;
    for (let i = 0; i < keys.length; i++) out += keys[i]! + jsonNumber(c[i] ?? 0);
    // Stateful (windowed or alarm-rule) models say whether the reading was scored yet.
    if (p.status !== undefined) out += p.status === 'warming_up' ? '},"status":"warming_up"' : '},"status":"scored"';
    else out += '}';
    return p.outOfOrder ? out + ',"out_of_order":true}' : out + '}';
  }

  batch(predictions: readonly Prediction[], inferenceMs: number): string {
    let out = '{"predictions":[';
    for (let i = 0; i < predictions.length; i++) out += (i === 0 ? '' : ',') + this.prediction(predictions[i]!);
    return `${out}],"batch_size":${predictions.length},"inference_time_ms":${Math.round(inferenceMs * 1000) / 1000}}`;
  }
}
