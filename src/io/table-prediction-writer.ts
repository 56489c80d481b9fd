import Table from 'cli-table3';
import { predictionColumns, type Prediction, type PredictionColumns } from '../model/prediction.js';
import type { PredictionWriter } from './prediction-writer.js';
import type { Sink } from './sinks.js';
import { TimestampFormatter, significant4 } from './text-format.js';

/** Rows shown in the table; the rest are counted in a line under it. */
export const TABLE_ROW_LIMIT = 200;

/**
 * A table for people at a terminal: the first TABLE_ROW_LIMIT predictions
 * (rendered as soon as there are that many, or at close), then a line that
 * counts the rows not shown. Numbers to 4 significant digits; no colours.
 */
export class TablePredictionWriter implements PredictionWriter {
  private rows: string[][] = [];
  private rendered = false;
  private hidden = 0;
  private readonly timestamps = new TimestampFormatter();

  constructor(
    private readonly sink: Sink,
    private readonly featureNames: readonly string[],
  ) {}

  async write(batch: readonly Prediction[]): Promise<void> {
    await this.writeColumns(predictionColumns(batch, this.featureNames.length));
  }

  async writeColumns(batch: PredictionColumns): Promise<void> {
    for (let i = 0; i < batch.count; i++) {
      if (this.rendered || this.rows.length >= TABLE_ROW_LIMIT) this.hidden++;
      else this.rows.push(this.cells(batch, i));
    }
    if (!this.rendered && this.rows.length >= TABLE_ROW_LIMIT) await this.render();
  }

  async close(): Promise<void> {
    if (!this.rendered && this.rows.length > 0) await this.render();
    if (this.hidden > 0) {
      await this.sink.write(`… ${this.hidden} more row${this.hidden === 1 ? '' : 's'} (use --output FILE for all)\n`);
    }
  }

  private async render(): Promise<void> {
    this.rendered = true;
    const table = new Table({
      head: ['row', 'timestamp', 'machine', 'anomaly', 'score', 'threshold', 'confidence', 'top sensor'],
      colAligns: ['right', 'left', 'left', 'left', 'right', 'right', 'right', 'left'],
      style: { head: [], border: [], compact: true },
    });
    table.push(...this.rows);
    this.rows = [];
    await this.sink.write(`${table.toString()}\n`);
  }

  private cells(batch: PredictionColumns, i: number): string[] {
    return [
      String(batch.rows[i]),
      this.timestamps.format(batch.timestamps[i]!),
      batch.machineIds[i]!,
      batch.isAnomaly[i] === 1 ? 'yes' : 'no',
      significant4(batch.scores[i]!),
      significant4(batch.thresholds[i]!),
      significant4(batch.confidence[i]!),
      this.topSensor(batch.contributions, i * batch.width),
    ];
  }

  /** The feature with the largest share of the score, with the share in percent. */
  private topSensor(contributions: ArrayLike<number>, offset: number): string {
    let best = -1;
    for (let i = 0; i < this.featureNames.length; i++) {
      const c = contributions[offset + i]!;
      if (c > 0 && (best < 0 || c > contributions[offset + best]!)) best = i;
    }
    if (best < 0) return '-';
    return `${this.featureNames[best]} (${(contributions[offset + best]! * 100).toFixed(1)}%)`;
  }
}
