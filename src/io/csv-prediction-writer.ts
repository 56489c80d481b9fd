import { predictionColumns, type Prediction, type PredictionColumns } from '../model/prediction.js';
import { ByteBuilder } from './byte-builder.js';
import { PredictionRows, utf8 } from './prediction-fields.js';
import type { PredictionWriter } from './prediction-writer.js';
import type { Sink } from './sinks.js';
import { csvField } from './text-format.js';

/** CSV with a header line; machine_id quoted when it needs it; numbers as in PredictionRows, empty when not finite. */
export class CsvPredictionWriter implements PredictionWriter {
  private readonly header: string;
  private started = false;
  private readonly rows: PredictionRows;
  private readonly out = new ByteBuilder();

  constructor(
    private readonly sink: Sink,
    private readonly featureNames: readonly string[],
  ) {
    this.header =
      'row,timestamp,machine_id,is_anomaly,anomaly_score,threshold,confidence' +
      featureNames.map((name) => `,contrib_${name}`).join('') +
      '\n';
    const comma = utf8(',');
    const none = utf8('');
    this.rows = new PredictionRows(
      {
        start: none,
        afterRow: comma,
        afterTimestamp: comma,
        normal: utf8(',false,'),
        anomaly: utf8(',true,'),
        afterScore: comma,
        afterThreshold: comma,
        contributions: featureNames.map(() => comma),
        end: utf8('\n'),
      },
      '',
      csvField,
    );
  }

  async write(batch: readonly Prediction[]): Promise<void> {
    await this.writeColumns(predictionColumns(batch, this.featureNames.length));
  }

  async writeColumns(batch: PredictionColumns): Promise<void> {
    if (!this.started) {
      this.started = true;
      this.out.text(this.header);
    }
    this.rows.write(this.out, batch);
    await this.sink.write(this.out.take());
  }

  async close(): Promise<void> {
    if (!this.started) await this.write([]);
  }
}
