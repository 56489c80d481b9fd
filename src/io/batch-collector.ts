import { ImindError } from '../errors.js';
import type { Reading, RowError } from '../schema/reading.js';
import { ReadingColumns } from '../schema/reading-columns.js';
import { isRowError, type ColumnMap, type RowValidator } from '../schema/row-validator.js';

/** Readings (by column) and row errors read from one stretch of input. */
export class ReadBatch {
  private objects: Reading[] | null = null;

  constructor(
    readonly columns: ReadingColumns,
    readonly errors: RowError[],
  ) {}

  /** The readings as objects (made on first use; the scoring pipeline reads `columns`). */
  get readings(): Reading[] {
    this.objects ??= this.columns.toReadings();
    return this.objects;
  }
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
  private columns: ReadingColumns;
  private errors: RowError[] = [];
  private ready: ReadBatch[] = [];

  constructor(
    private readonly validator: RowValidator,
    private readonly batchSize: number,
  ) {
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new ImindError('usage', `batch size must be a positive integer, got ${batchSize}`);
    }
    this.columns = this.newColumns();
  }

  /** An unquoted CSV record as spans of `text` (see RowValidator.validateSpans). */
  spans(row: number, text: string, bounds: Int32Array, map: ColumnMap): void {
    const error = this.validator.validateSpans(row, text, bounds, map, this.columns);
    if (error !== null) this.fail(error);
    else if (this.columns.full) this.cut();
  }

  cells(row: number, cells: readonly string[], map: ColumnMap): void {
    const result = this.validator.validateCells(row, cells, map);
    if (isRowError(result)) {
      this.fail(result);
    } else {
      this.columns.push(result);
      if (this.columns.full) this.cut();
    }
  }

  object(row: number, value: unknown): void {
    const error = this.validator.validateObjectInto(row, value, this.columns);
    if (error !== null) this.fail(error);
    else if (this.columns.full) this.cut();
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
    if (this.columns.count > 0 || this.errors.length > 0) this.cut();
    return this.take();
  }

  private fail(error: RowError): void {
    if (this.errors.push(error) >= this.batchSize) this.cut();
  }

  private cut(): void {
    this.ready.push(new ReadBatch(this.columns, this.errors));
    this.columns = this.newColumns();
    this.errors = [];
  }

  private newColumns(): ReadingColumns {
    return new ReadingColumns(this.validator.schema.features.length, this.batchSize);
  }
}
