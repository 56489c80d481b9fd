import { ImindError, describeError } from '../errors.js';
import type { BatchCollector, RecordParser } from './batch-collector.js';

const CR = 13;

/**
 * NDJSON: one JSON value per line, blank lines skipped. A line that is not
 * valid JSON, or longer than `maxRecordBytes` characters, is a row error and
 * reading goes on; an over-long line is skipped without keeping its text.
 */
export class NdjsonRecordParser implements RecordParser {
  private carry = '';
  private rows = 0;
  /** Inside an over-long line, looking for its end. */
  private skipping = false;

  constructor(
    private readonly collector: BatchCollector,
    private readonly maxRecordBytes: number,
  ) {}

  push(chunk: string): void {
    const text = this.carry.length > 0 ? this.carry + chunk : chunk;
    this.carry = '';
    const n = text.length;
    const max = this.maxRecordBytes;
    let p = 0;
    if (this.skipping) {
      const nl = text.indexOf('\n');
      if (nl < 0) return;
      this.skipping = false;
      p = nl + 1;
    }
    while (p < n) {
      const nl = text.indexOf('\n', p);
      if (nl < 0) {
        if (n - p > max) this.oversize();
        else this.carry = text.slice(p);
        return;
      }
      let end = nl;
      if (end > p && text.charCodeAt(end - 1) === CR) end--;
      const start = p;
      p = nl + 1;
      if (end - start > max) {
        this.oversize();
        this.skipping = false;
        continue;
      }
      if (end === start) continue;
      this.line(text.slice(start, end));
    }
  }

  end(): void {
    if (this.carry.length > 0) {
      const last = this.carry;
      this.carry = '';
      this.line(last.charCodeAt(last.length - 1) === CR ? last.slice(0, -1) : last);
    }
    if (this.rows === 0) throw new ImindError('input_malformed', 'input is empty');
  }

  position(): string {
    return `in row ${this.rows + 1}`;
  }

  private line(line: string): void {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      if (line.charCodeAt(0) <= 32 && line.trim() === '') return;
      const row = ++this.rows;
      if (row === 1 && line.trim() === '{') {
        throw new ImindError(
          'input_malformed',
          'row 1 is a lone "{": the input looks like one JSON object over several lines',
          {
            hint: 'give NDJSON (one JSON object per line) or a JSON array of objects',
          },
        );
      }
      this.collector.error(row, null, `not valid JSON: ${describeError(error)}`);
      return;
    }
    this.collector.object(++this.rows, value);
  }

  private oversize(): void {
    this.skipping = true;
    this.collector.error(++this.rows, null, `line is longer than ${this.maxRecordBytes} characters; skipped`);
  }
}
