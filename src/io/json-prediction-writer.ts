import { predictionColumns, type Prediction, type PredictionColumns } from '../model/prediction.js';
import { ByteBuilder } from './byte-builder.js';
import { PredictionRows, utf8, type RowPieces } from './prediction-fields.js';
import type { PredictionWriter } from './prediction-writer.js';
import type { Sink } from './sinks.js';

/** The pieces of a prediction's JSON object around its values (no object, no JSON.stringify per row). */
function jsonPieces(featureNames: readonly string[], start: string, end: string): RowPieces {
  return {
    start: utf8(`${start}{"row":`),
    afterRow: utf8(',"timestamp":"'),
    afterTimestamp: utf8('","machine_id":'),
    normal: utf8(',"is_anomaly":false,"anomaly_score":'),
    anomaly: utf8(',"is_anomaly":true,"anomaly_score":'),
    afterScore: utf8(',"threshold":'),
    afterThreshold: utf8(',"confidence":'),
    contributions: featureNames.map((name, i) =>
      utf8(`${i === 0 ? ',"contributions":{' : ','}${JSON.stringify(name)}:`),
    ),
    end: utf8(`}}${end}`),
  };
}

const jsonString = (id: string): string => JSON.stringify(id);

/** One JSON object per line; numbers as in PredictionRows, null when not finite. */
export class NdjsonPredictionWriter implements PredictionWriter {
  private readonly rows: PredictionRows;
  private readonly out = new ByteBuilder();

  constructor(
    private readonly sink: Sink,
    private readonly featureNames: readonly string[],
  ) {
    this.rows = new PredictionRows(jsonPieces(featureNames, '', '\n'), 'null', jsonString);
  }

  async write(batch: readonly Prediction[]): Promise<void> {
    await this.writeColumns(predictionColumns(batch, this.featureNames.length));
  }

  async writeColumns(batch: PredictionColumns): Promise<void> {
    this.rows.write(this.out, batch);
    await this.sink.write(this.out.take());
  }

  async close(): Promise<void> {}
}

/** One JSON array, streamed: "[" before the first object, "]" at close ("[]" when there were none). */
export class JsonArrayPredictionWriter implements PredictionWriter {
  private readonly first: PredictionRows;
  private readonly rest: PredictionRows;
  private readonly out = new ByteBuilder();
  private count = 0;

  constructor(
    private readonly sink: Sink,
    private readonly featureNames: readonly string[],
  ) {
    this.first = new PredictionRows(jsonPieces(featureNames, '[\n', ''), 'null', jsonString);
    this.rest = new PredictionRows(jsonPieces(featureNames, ',\n', ''), 'null', jsonString);
  }

  async write(batch: readonly Prediction[]): Promise<void> {
    await this.writeColumns(predictionColumns(batch, this.featureNames.length));
  }

  async writeColumns(batch: PredictionColumns): Promise<void> {
    if (batch.count === 0) return;
    if (this.count === 0) {
      this.first.write(this.out, batch, 0, 1);
      this.rest.write(this.out, batch, 1);
    } else {
      this.rest.write(this.out, batch);
    }
    this.count += batch.count;
    await this.sink.write(this.out.take());
  }

  async close(): Promise<void> {
    await this.sink.write(this.count === 0 ? '[]\n' : '\n]\n');
  }
}
