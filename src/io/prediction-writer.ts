import { extname } from 'node:path';
import type { Prediction, PredictionColumns } from '../model/prediction.js';
import { CsvPredictionWriter } from './csv-prediction-writer.js';
import { JsonArrayPredictionWriter, NdjsonPredictionWriter } from './json-prediction-writer.js';
import type { Sink } from './sinks.js';
import { TablePredictionWriter } from './table-prediction-writer.js';
import { WorkerPredictionWriter } from './worker-prediction-writer.js';

export type OutputFormat = 'csv' | 'ndjson' | 'json' | 'table';

/**
 * Writes predictions batch by batch: one sink write per batch. Fields, in order:
 * row, timestamp, machine_id, is_anomaly, anomaly_score, threshold, confidence,
 * then the per-feature contributions.
 */
export interface PredictionWriter {
  write(batch: readonly Prediction[]): Promise<void>;
  /** The same for predictions by column (the file pipeline: no object per row). */
  writeColumns(batch: PredictionColumns): Promise<void>;
  /** Writes what ends the output (the CSV header when there were no rows, JSON's "]", the table). Does not close the sink. */
  close(): Promise<void>;
}

export interface WriterOptions {
  /**
   * Format in a worker thread (WorkerPredictionWriter; not for tables) when
   * the first batch is large: for machines with more than one core. Needs the
   * compiled code (dist/), as the CLI runs.
   */
  inWorker?: boolean;
}

export function createPredictionWriter(
  format: OutputFormat,
  sink: Sink,
  featureNames: readonly string[],
  options: WriterOptions = {},
): PredictionWriter {
  const local = localWriter(format, sink, featureNames);
  if (options.inWorker && format !== 'table')
    return new WorkerPredictionWriter(sink, { format, featureNames: [...featureNames] }, local);
  return local;
}

function localWriter(format: OutputFormat, sink: Sink, featureNames: readonly string[]): PredictionWriter {
  switch (format) {
    case 'csv':
      return new CsvPredictionWriter(sink, featureNames);
    case 'ndjson':
      return new NdjsonPredictionWriter(sink, featureNames);
    case 'json':
      return new JsonArrayPredictionWriter(sink, featureNames);
    case 'table':
      return new TablePredictionWriter(sink, featureNames);
  }
}

const EXTENSIONS: Record<string, OutputFormat> = {
  '.csv': 'csv',
  '.ndjson': 'ndjson',
  '.jsonl': 'ndjson',
  '.json': 'json',
};

/** The output format an --output file name implies, or null when its extension says nothing. */
export function outputFormatFromPath(path: string): OutputFormat | null {
  return EXTENSIONS[extname(path).toLowerCase()] ?? null;
}
