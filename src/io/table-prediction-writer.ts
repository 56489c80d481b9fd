import Table from 'cli-table3';
import type { Prediction } from '../model/prediction.js';
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
    for (const p of batch) {
      if (this.rendered || this.rows.length >= TABLE_ROW_LIMIT) this.hidden++;
      else this.rows.push(this.cells(p));
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

  private cells(p: Prediction): string[] {
    return [
      String(p.row),
      this.timestamps.format(p.timestamp),
      p.machineId,
      p.isAnomaly ? 'yes' : 'no',
      significant4(p.score),
      significant4(p.threshold),
      significant4(p.confidence),
      this.topSensor(p.contributions),
    ];
  }

  /** The feature with the largest share of the score, with the share in percent. */
  private topSensor(contributions: Float64Array): string {
    let best = -1;
    for (let i = 0; i < this.featureNames.length; i++) {
      const c = contributions[i] ?? 0;
      if (c > 0 && (best < 0 || c > contributions[best]!)) best = i;
    }
    if (best < 0) return '-';
    return `${this.featureNames[best]} (${(contributions[best]! * 100).toFixed(1)}%)`;
  }
}
