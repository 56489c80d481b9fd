import type { Prediction } from '../model/prediction.js';
import type { PredictionWriter } from './prediction-writer.js';
import type { Sink } from './sinks.js';
import { LastValueCache, TimestampFormatter, jsonNumber } from './text-format.js';

/** Builds the JSON text of one prediction by concatenation (no object, no JSON.stringify per row). */
class PredictionJson {
  private readonly keys: string[];
  private readonly timestamps = new TimestampFormatter();
  private readonly machineIds = new LastValueCache<string>((id) => JSON.stringify(id));
  private readonly thresholds = new LastValueCache<number>(jsonNumber);

  constructor(featureNames: readonly string[]) {
    this.keys = featureNames.map((name, i) => `${i === 0 ? '' : ','}${JSON.stringify(name)}:`);
  }

  text(p: Prediction): string {
    let out =
      '{"row":' +
      p.row +
      ',"timestamp":"' +
      this.timestamps.format(p.timestamp) +
      '","machine_id":' +
      this.machineIds.get(p.machineId) +
      (p.isAnomaly ? ',"is_anomaly":true,"anomaly_score":' : ',"is_anomaly":false,"anomaly_score":') +
      jsonNumber(p.score) +
      ',"threshold":' +
      this.thresholds.get(p.threshold) +
      ',"confidence":' +
      jsonNumber(p.confidence) +
      ',"contributions":{';
    const keys = this.keys;
    const c = p.contributions;
    for (let i = 0; i < keys.length; i++) out += keys[i]! + jsonNumber(c[i] ?? Number.NaN);
    return out + '}}';
  }
}

/** One JSON object per line. */
export class NdjsonPredictionWriter implements PredictionWriter {
  private readonly json: PredictionJson;

  constructor(
    private readonly sink: Sink,
    featureNames: readonly string[],
  ) {
    this.json = new PredictionJson(featureNames);
  }

  async write(batch: readonly Prediction[]): Promise<void> {
    let out = '';
    for (const p of batch) out += this.json.text(p) + '\n';
    await this.sink.write(out);
  }

  async close(): Promise<void> {}
}

/** One JSON array, streamed: "[" before the first object, "]" at close ("[]" when there were none). */
export class JsonArrayPredictionWriter implements PredictionWriter {
  private readonly json: PredictionJson;
  private count = 0;

  constructor(
    private readonly sink: Sink,
    featureNames: readonly string[],
  ) {
    this.json = new PredictionJson(featureNames);
  }

  async write(batch: readonly Prediction[]): Promise<void> {
    let out = '';
    for (const p of batch) out += (this.count++ === 0 ? '[\n' : ',\n') + this.json.text(p);
    await this.sink.write(out);
  }

  async close(): Promise<void> {
    await this.sink.write(this.count === 0 ? '[]\n' : '\n]\n');
  }
}
