import { ImindError } from '../errors.js';
import type { ColumnMap, RowValidator } from '../schema/row-validator.js';
import type { BatchCollector, RecordParser } from './batch-collector.js';

const QUOTE = 34;
const LF = 10;
const CR = 13;

/** States of the quoted-record path. */
const FIELD_START = 0;
const UNQUOTED = 1;
const QUOTED = 2;
const QUOTE_SEEN = 3;

const BINARY = /[\u0000-\u0008\u000e-\u001f]/;

/**
 * RFC 4180 CSV as a chunked state machine. Records without a double quote take
 * the fast path: find the newline with indexOf and split the line on the
 * delimiter. A record with a quote goes through a character loop that keeps
 * its state across chunks, so a quoted field may hold delimiters, "" escapes
 * and newlines. Records longer than `maxRecordBytes` characters are skipped
 * (scanned to their end, not kept) and reported as row errors.
 *
 * The first record is the header; it fixes the column count. The delimiter is
 * taken from the header line: ';' or tab when they outnumber ','.
 */
export class CsvRecordParser implements RecordParser {
  /** An unquoted partial line waiting for the next chunk. */
  private carry = '';
  private delimiter: string | null = null;
  private delimiterCode = 44;
  private map: ColumnMap | null = null;
  private headerLength = 0;
  private rows = 0;
  /** Cell boundaries of the current fast-path record: cell k is text[bounds[2k], bounds[2k+1]). */
  private bounds: Int32Array = new Int32Array(64);

  // State of a record on the quoted path, kept across chunks.
  private inRecord = false;
  private recordRow = 0;
  private cells: string[] = [];
  private field = '';
  private state = FIELD_START;
  private recordLength = 0;
  private oversized = false;
  private malformed: string | null = null;

  constructor(
    private readonly validator: RowValidator,
    private readonly collector: BatchCollector,
    private readonly maxRecordBytes: number,
  ) {}

  push(chunk: string): void {
    const text = this.carry.length > 0 ? this.carry + chunk : chunk;
    this.carry = '';
    let p = 0;
    if (this.inRecord) {
      p = this.quoted(text, 0);
      if (p < 0) return;
    }
    if (this.delimiter === null) {
      const nl = text.indexOf('\n', p);
      if (nl < 0) {
        if (text.length - p > this.maxRecordBytes) throw this.headerTooLong();
        this.carry = text.slice(p);
        return;
      }
      this.delimiter = detectDelimiter(text.slice(p, nl));
      this.delimiterCode = this.delimiter.charCodeAt(0);
    }
    this.scan(text, p);
  }

  end(): void {
    if (this.inRecord && this.state === QUOTED) {
      throw new ImindError(
        'input_malformed',
        `${this.map === null ? 'the header' : `row ${this.recordRow}`}: a quoted field opens there and is never closed`,
        { hint: 'look for a stray double quote (") in that row' },
      );
    }
    // A last record without a line break ends at the end of the input.
    if (this.inRecord || this.carry.length > 0) this.push('\n');
    if (this.map === null) throw new ImindError('input_malformed', 'input is empty');
    if (this.rows === 0) throw new ImindError('input_malformed', 'input has a header but no data rows');
  }

  position(): string {
    if (this.map === null) return 'in the header';
    return `in row ${this.inRecord ? this.recordRow : this.rows + 1}`;
  }

  /** The fast path over whole lines; hands records with quotes to `quoted`. */
  private scan(text: string, start: number): void {
    const n = text.length;
    const d = this.delimiter!;
    const max = this.maxRecordBytes;
    let p = start;
    // Next quote and next delimiter at or after p (n when there is none), found lazily.
    let q = -1;
    let dp = -1;
    while (p < n) {
      const nl = text.indexOf('\n', p);
      if (q < p) {
        q = text.indexOf('"', p);
        if (q < 0) q = n;
      }
      if (q < (nl < 0 ? n : nl)) {
        p = this.quoted(text, p);
        if (p < 0) return;
        continue;
      }
      if (nl < 0) {
        // Too long to wait for: skip it on the quoted path, which keeps no text once it is over the limit.
        if (n - p > max) this.quoted(text, p);
        else this.carry = text.slice(p);
        return;
      }
      let end = nl;
      if (end > p && text.charCodeAt(end - 1) === CR) end--;
      const length = end - p;
      if (length > max) {
        this.oversize(this.rows + 1);
      } else if (length > 0 && (text.charCodeAt(p) > 32 || text.slice(p, end).trim() !== '')) {
        // Cut the line into cells as [start, end) pairs in `bounds`: no substring per cell.
        let bounds = this.bounds;
        let count = 0;
        let s = p;
        for (;;) {
          if (dp < s) {
            dp = text.indexOf(d, s);
            if (dp < 0) dp = n;
          }
          if (2 * count + 2 > bounds.length) bounds = this.growBounds();
          bounds[2 * count] = s;
          if (dp >= end) {
            bounds[2 * count++ + 1] = end;
            break;
          }
          bounds[2 * count++ + 1] = dp;
          s = dp + 1;
        }
        this.spanRecord(text, count);
      }
      p = nl + 1;
    }
  }

  /**
   * The character loop for a record with quotes, from `start` (a record start,
   * or inside the record when it continues from the last chunk). Returns the
   * index after the record's line break, or -1 when the text ends first.
   */
  private quoted(text: string, start: number): number {
    if (!this.inRecord) {
      this.inRecord = true;
      this.recordRow = this.rows + 1;
      this.cells = [];
      this.field = '';
      this.state = FIELD_START;
      this.recordLength = 0;
      this.oversized = false;
      this.malformed = null;
    }
    const n = text.length;
    const d = this.delimiterCode;
    const cells = this.cells;
    let field = this.field;
    let state = this.state;
    let from = start;
    let i = start;
    while (i < n) {
      if (state === QUOTED) {
        const q = text.indexOf('"', i);
        if (q < 0) {
          i = n;
          break;
        }
        field += text.slice(from, q);
        i = q + 1;
        state = QUOTE_SEEN;
        continue;
      }
      const c = text.charCodeAt(i);
      if (state === QUOTE_SEEN) {
        if (c === QUOTE) {
          field += '"';
          state = QUOTED;
          from = ++i;
        } else if (c === d) {
          cells.push(field);
          field = '';
          state = FIELD_START;
          from = ++i;
        } else if (c === LF) {
          cells.push(field);
          return this.endQuoted(start, i);
        } else if (c === CR) {
          i++;
        } else {
          this.malformed ??= `column ${cells.length + 1} has text after its closing quote`;
          state = UNQUOTED;
          from = i;
        }
        continue;
      }
      if (state === FIELD_START) {
        if (c === QUOTE) {
          state = QUOTED;
          from = ++i;
          continue;
        }
        state = UNQUOTED;
        from = i;
      }
      // UNQUOTED: a quote inside an unquoted field is taken literally.
      if (c === d) {
        cells.push(field + text.slice(from, i));
        field = '';
        state = FIELD_START;
        from = ++i;
      } else if (c === LF) {
        const last = field + text.slice(from, i);
        cells.push(last.charCodeAt(last.length - 1) === CR ? last.slice(0, -1) : last);
        return this.endQuoted(start, i);
      } else {
        i++;
      }
    }
    if (state === QUOTED || state === UNQUOTED) field += text.slice(from, n);
    this.recordLength += n - start;
    if (this.recordLength > this.maxRecordBytes) {
      // Over the limit: keep scanning for the record's end, but keep none of its text.
      this.oversized = true;
      field = '';
      cells.length = 0;
    }
    this.field = field;
    this.state = state;
    return -1;
  }

  /** Ends a quoted-path record whose line break is at `lf`; returns the index after it. */
  private endQuoted(start: number, lf: number): number {
    this.recordLength += lf - start;
    this.inRecord = false;
    const cells = this.cells;
    this.cells = [];
    this.field = '';
    if (this.oversized || this.recordLength > this.maxRecordBytes) {
      this.oversize(this.recordRow);
    } else if (this.malformed !== null) {
      if (this.map === null) throw new ImindError('input_malformed', `the header is malformed: ${this.malformed}`);
      this.collector.error(++this.rows, null, `malformed quoting: ${this.malformed}`);
    } else {
      this.record(cells);
    }
    return lf + 1;
  }

  private record(cells: string[]): void {
    if (this.map === null) {
      this.header(cells);
      return;
    }
    const row = ++this.rows;
    if (cells.length !== this.headerLength) {
      this.collector.error(row, null, `row has ${cells.length} fields, the header has ${this.headerLength}`);
    } else {
      this.collector.cells(row, cells, this.map);
    }
  }

  /** A fast-path record of `count` cells, held in `bounds`. */
  private spanRecord(text: string, count: number): void {
    if (this.map === null) {
      const cells: string[] = [];
      for (let k = 0; k < count; k++) cells.push(text.slice(this.bounds[2 * k], this.bounds[2 * k + 1]));
      this.header(cells);
      return;
    }
    const row = ++this.rows;
    if (count !== this.headerLength) {
      this.collector.error(row, null, `row has ${count} fields, the header has ${this.headerLength}`);
    } else {
      this.collector.spans(row, text, this.bounds, this.map);
    }
  }

  private growBounds(): Int32Array {
    const grown = new Int32Array(this.bounds.length * 2);
    grown.set(this.bounds);
    this.bounds = grown;
    return grown;
  }

  private header(cells: string[]): void {
    if (cells.some((cell) => BINARY.test(cell))) {
      throw new ImindError('input_malformed', 'the header has control characters: the input looks binary, not CSV');
    }
    this.map = this.validator.columnMap(cells);
    this.headerLength = cells.length;
  }

  private oversize(row: number): void {
    if (this.map === null) throw this.headerTooLong();
    this.rows = row;
    this.collector.error(row, null, `record is longer than ${this.maxRecordBytes} characters; skipped`);
  }

  private headerTooLong(): ImindError {
    return new ImindError('input_malformed', `the header line is longer than ${this.maxRecordBytes} characters`, {
      hint: 'is the input a CSV file?',
    });
  }
}

/** ';' or tab when the header line has more of them than commas, else ','. */
export function detectDelimiter(headerLine: string): string {
  const count = (ch: string): number => headerLine.split(ch).length - 1;
  const commas = count(',');
  const semicolons = count(';');
  const tabs = count('\t');
  if (tabs > commas && tabs > semicolons) return '\t';
  return semicolons > commas ? ';' : ',';
}
