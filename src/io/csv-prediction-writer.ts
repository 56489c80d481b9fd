import type { Prediction } from '../model/prediction.js';
import type { PredictionWriter } from './prediction-writer.js';
import type { Sink } from './sinks.js';
import { LastValueCache, TimestampFormatter, csvField, csvNumber } from './text-format.js';

/** CSV with a header line; machine_id quoted when it needs it, numbers at full precision. */
export class CsvPredictionWriter implements PredictionWriter {
  private readonly header: string;
  private started = false;
  private readonly timestamps = new TimestampFormatter();
  private readonly machineIds = new LastValueCache<string>(csvField);
  private readonly thresholds = new LastValueCache<number>(csvNumber);

  constructor(
    private readonly sink: Sink,
    private readonly featureNames: readonly string[],
  ) {
    this.header =
      'row,timestamp,machine_id,is_anomaly,anomaly_score,threshold,confidence' +
      featureNames.map((name) => `,contrib_${name}`).join('') +
      '\n';
  }

  async write(batch: readonly Prediction[]): Promise<void> {
    let out = '';
    if (!this.started) {
      this.started = true;
      out = this.header;
    }
    const k = this.featureNames.length;
    for (const p of batch) {
      out +=
        p.row +
        ',' +
        this.timestamps.format(p.timestamp) +
        ',' +
        this.machineIds.get(p.machineId) +
        (p.isAnomaly ? ',true,' : ',false,') +
        csvNumber(p.score) +
        ',' +
        this.thresholds.get(p.threshold) +
        ',' +
        csvNumber(p.confidence);
      const c = p.contributions;
      for (let i = 0; i < k; i++) out += ',' + csvNumber(c[i] ?? Number.NaN);
      out += '\n';
    }
    await this.sink.write(out);
  }

  async close(): Promise<void> {
    if (!this.started) await this.write([]);
  }
}
