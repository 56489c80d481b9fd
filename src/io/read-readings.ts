import { extname } from 'node:path';
import { ImindError, describeError } from '../errors.js';
import type { RowValidator } from '../schema/row-validator.js';
import { BatchCollector, type ReadBatch, type RecordParser } from './batch-collector.js';
import { CsvRecordParser } from './csv-record-parser.js';
import { JsonArrayParser } from './json-array-parser.js';
import { NdjsonRecordParser } from './ndjson-record-parser.js';
import { Utf8Input } from './utf8-input.js';

export type { ReadBatch } from './batch-collector.js';

export type InputFormat = 'csv' | 'json' | 'ndjson';

export interface ReadOptions {
  /** 'auto' looks at the first non-blank character: '[' is JSON, '{' is NDJSON, anything else CSV. */
  format: InputFormat | 'auto';
  validator: RowValidator;
  /** Most readings per batch. */
  batchSize: number;
  /** Longest record (CSV record, NDJSON line, JSON array element) in characters; default 1 MiB. */
  maxRecordBytes?: number;
}

export const DEFAULT_MAX_RECORD_BYTES = 1024 * 1024;

/** Input is decoded and parsed in slices of at most this many bytes, which bounds each step's batches. */
const SLICE_BYTES = 256 * 1024;

const EXTENSIONS: Record<string, InputFormat> = {
  '.csv': 'csv',
  '.tsv': 'csv',
  '.json': 'json',
  '.ndjson': 'ndjson',
  '.jsonl': 'ndjson',
};

/** The input format a file name implies, or null when its extension says nothing. */
export function formatFromPath(path: string): InputFormat | null {
  return EXTENSIONS[extname(path).toLowerCase()] ?? null;
}

/**
 * Reads readings from a byte stream, chunk by chunk, in batches of at most
 * `batchSize` readings. Every data row ends up in exactly one batch, as a
 * reading or as a row error (rows are numbered from 1, the CSV header not
 * counted). Whole-input problems (empty, no data rows, bad header, not UTF-8,
 * unclosed quote or array, not an array) throw ImindError.
 */
export async function* readBatches(
  source: NodeJS.ReadableStream | AsyncIterable<Buffer>,
  opts: ReadOptions,
): AsyncGenerator<ReadBatch> {
  const maxRecordBytes = opts.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  if (!Number.isInteger(maxRecordBytes) || maxRecordBytes < 1) {
    throw new ImindError('usage', `the record size limit must be a positive integer, got ${maxRecordBytes}`);
  }
  const collector = new BatchCollector(opts.validator, opts.batchSize);
  const input = new Utf8Input();
  const records = new LazyParser(opts.format, (format) =>
    createParser(format, opts.validator, collector, maxRecordBytes),
  );
  const notUtf8 = (): ImindError =>
    new ImindError('input_malformed', `input is not valid UTF-8 (${records.position()})`, {
      hint: 'convert the file to UTF-8',
    });

  const chunks = (source as AsyncIterable<Buffer | string>)[Symbol.asyncIterator]();
  let done = false;
  try {
    for (;;) {
      let step: IteratorResult<Buffer | string>;
      try {
        step = await chunks.next();
      } catch (error) {
        done = true; // a failed source is finished
        throw new ImindError('input_unreadable', `cannot read the input: ${describeError(error)}`, { cause: error });
      }
      if (step.done) break;
      const bytes = typeof step.value === 'string' ? Buffer.from(step.value, 'utf8') : step.value;
      for (let offset = 0; offset < bytes.length; offset += SLICE_BYTES) {
        const piece = bytes.length <= SLICE_BYTES ? bytes : bytes.subarray(offset, offset + SLICE_BYTES);
        const { text, invalid } = input.decode(piece);
        if (text.length > 0) records.push(text);
        if (invalid) throw notUtf8();
        for (const batch of collector.take()) yield batch;
      }
    }
    done = true;
  } finally {
    // Stopped early (an error, or the consumer left): release the source (closes a file stream).
    if (!done) await chunks.return?.();
  }
  const { text, invalid } = input.end();
  if (text.length > 0) records.push(text);
  if (invalid) throw notUtf8();
  records.end();
  for (const batch of collector.finish()) yield batch;
}

/** Creates the format's parser at the first non-blank character (which 'auto' looks at). */
class LazyParser implements RecordParser {
  private parser: RecordParser | null = null;

  constructor(
    private readonly format: InputFormat | 'auto',
    private readonly create: (format: InputFormat) => RecordParser,
  ) {}

  push(text: string): void {
    if (this.parser === null) {
      // Leading blank space means nothing in any format.
      const k = firstNonBlank(text);
      if (k < 0) return;
      this.parser = this.create(this.format === 'auto' ? sniff(text.charCodeAt(k)) : this.format);
      this.parser.push(text.slice(k));
    } else {
      this.parser.push(text);
    }
  }

  end(): void {
    if (this.parser === null) throw new ImindError('input_malformed', 'input is empty');
    this.parser.end();
  }

  position(): string {
    return this.parser === null ? 'at its start' : this.parser.position();
  }
}

function createParser(
  format: InputFormat,
  validator: RowValidator,
  collector: BatchCollector,
  maxRecordBytes: number,
): RecordParser {
  if (format === 'json') return new JsonArrayParser(collector, maxRecordBytes);
  if (format === 'ndjson') return new NdjsonRecordParser(collector, maxRecordBytes);
  return new CsvRecordParser(validator, collector, maxRecordBytes);
}

function sniff(code: number): InputFormat {
  if (code === 0x5b) return 'json';
  if (code === 0x7b) return 'ndjson';
  return 'csv';
}

function firstNonBlank(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 10 && c !== 13 && c !== 9) return i;
  }
  return -1;
}
