import { ImindError } from '../errors.js';
import type { Reading, RowError } from '../schema/reading.js';
import { isRowError, type ColumnMap, type RowValidator } from '../schema/row-validator.js';

/** Readings and row errors read from one stretch of input. */
export interface ReadBatch {
  readings: Reading[];
  errors: RowError[];
}

/** What every format's parser does with the records it finds. */
export interface RecordParser {
  /** Parses decoded text; may keep an incomplete record for the next call. */
  push(text: string): void;
  /** The input has ended: completes or rejects the last record, checks the whole file. */
  end(): void;
  /** Where the parser stands, for whole-file errors: "in the header", "in row 12". */
  position(): string;
}

/**
 * Validates records into batches: a batch is cut as soon as it holds `batchSize`
 * readings (or `batchSize` errors, so that a file of bad rows keeps memory bounded).
 * Every record ends up in exactly one batch, as a reading or as an error.
 */
export class BatchCollector {
  private readings: Reading[] = [];
  private errors: RowError[] = [];
  private ready: ReadBatch[] = [];

  constructor(
    private readonly validator: RowValidator,
    private readonly batchSize: number,
  ) {
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new ImindError('usage', `batch size must be a positive integer, got ${batchSize}`);
    }
  }

  cells(row: number, cells: readonly string[], map: ColumnMap): void {
    const result = this.validator.validateCells(row, cells, map);
    if (isRowError(result)) this.fail(result);
    else if (this.readings.push(result) >= this.batchSize) this.cut();
  }

  object(row: number, value: unknown): void {
    const result = this.validator.validateObject(row, value);
    if (isRowError(result)) this.fail(result);
    else if (this.readings.push(result) >= this.batchSize) this.cut();
  }

  error(row: number, field: string | null, message: string): void {
    this.fail({ row, field, message });
  }

  /** Batches completed so far (each handed out once). */
  take(): ReadBatch[] {
    const ready = this.ready;
    this.ready = [];
    return ready;
  }

  /** Cuts the last, partial batch (if it holds anything) and hands out everything left. */
  finish(): ReadBatch[] {
    if (this.readings.length > 0 || this.errors.length > 0) this.cut();
    return this.take();
  }

  private fail(error: RowError): void {
    if (this.errors.push(error) >= this.batchSize) this.cut();
  }

  private cut(): void {
    this.ready.push({ readings: this.readings, errors: this.errors });
    this.readings = [];
    this.errors = [];
  }
}
