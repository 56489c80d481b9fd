import type { PredictionColumns } from '../model/prediction.js';
import type { OutputFormat } from './prediction-writer.js';

/** What the formatting worker is started with. */
export interface FormatWorkerSetup {
  format: Exclude<OutputFormat, 'table'>;
  featureNames: string[];
}

/**
 * A batch of prediction columns as posted to the worker: machine ids travel as
 * codes into a table that grows with `newIds` (cloning a string per row would
 * cost as much as formatting it).
 */
export interface BatchMessage {
  type: 'batch';
  columns: Omit<PredictionColumns, 'machineIds'>;
  idCodes: Int32Array;
  newIds: string[];
}

export interface CloseMessage {
  type: 'close';
}

export type ToFormatWorker = BatchMessage | CloseMessage;

/** The worker's answer to each message, in order: the output bytes (buffer[0, length)) or a failure. */
export type FromFormatWorker =
  { type: 'bytes'; buffer: ArrayBuffer; length: number } | { type: 'failed'; message: string };
