import { ImindError, describeError } from '../errors.js';
import type { BatchCollector, RecordParser } from './batch-collector.js';

const BEFORE_ARRAY = 0;
const FIRST_ELEMENT = 1;
const NEXT_ELEMENT = 2;
const IN_ELEMENT = 3;
const DONE = 4;

/** Deepest nesting accepted inside one element (the element's own braces count as 1). */
export const MAX_JSON_DEPTH = 64;

/**
 * A JSON array of records, streamed: a scanner finds the boundaries of the
 * top-level elements (tracking strings, escapes and depth across chunks) and
 * JSON.parses each element on its own. An element that does not parse, nests
 * deeper than MAX_JSON_DEPTH or is longer than `maxRecordBytes` characters is a
 * row error; a document that is not an array, is not closed, or has text after
 * its end is a whole-file error.
 */
export class JsonArrayParser implements RecordParser {
  private phase = BEFORE_ARRAY;
  private rows = 0;
  // The element being scanned, kept across chunks.
  private element = '';
  private elementLength = 0;
  private depth = 0;
  private inString = false;
  private escaped = false;
  private tooDeep = false;
  private oversized = false;

  constructor(
    private readonly collector: BatchCollector,
    private readonly maxRecordBytes: number,
  ) {}

  push(text: string): void {
    const n = text.length;
    let i = 0;
    while (i < n) {
      if (this.phase === IN_ELEMENT) {
        i = this.scanElement(text, i);
        continue;
      }
      const c = text.charCodeAt(i);
      if (c === 32 || c === 10 || c === 13 || c === 9) {
        i++;
        continue;
      }
      if (this.phase === BEFORE_ARRAY) {
        if (c !== 91) {
          throw new ImindError('input_malformed', 'the JSON document is not an array', {
            hint: 'give a JSON array of reading objects ([{...}, {...}]) or NDJSON (one object per line)',
          });
        }
        this.phase = FIRST_ELEMENT;
        i++;
      } else if (this.phase === DONE) {
        throw new ImindError(
          'input_malformed',
          `unexpected text after the end of the JSON array (after row ${this.rows})`,
        );
      } else if (c === 93) {
        // "]" right after "[" (empty array) or after a trailing comma.
        this.phase = DONE;
        i++;
      } else if (c === 44) {
        this.collector.error(++this.rows, null, 'not valid JSON: empty element (two commas in a row)');
        this.phase = NEXT_ELEMENT;
        i++;
      } else {
        this.phase = IN_ELEMENT;
      }
    }
  }

  end(): void {
    if (this.phase === BEFORE_ARRAY) throw new ImindError('input_malformed', 'input is empty');
    if (this.phase !== DONE) {
      const where = this.phase === IN_ELEMENT ? `inside row ${this.rows + 1}` : `after row ${this.rows}`;
      throw new ImindError('input_malformed', `the JSON array is not closed: the input ends ${where}`, {
        hint: 'the file may be truncated',
      });
    }
    if (this.rows === 0) throw new ImindError('input_malformed', 'input has no data rows (the JSON array is empty)');
  }

  position(): string {
    return this.phase === BEFORE_ARRAY ? 'before the JSON array' : `in row ${this.rows + 1}`;
  }

  /** Scans the current element from `start`; returns where scanning goes on. */
  private scanElement(text: string, start: number): number {
    const n = text.length;
    let depth = this.depth;
    let inString = this.inString;
    let escaped = this.escaped;
    let i = start;
    while (i < n) {
      if (inString) {
        // Jump from quote to quote; a quote after an odd run of backslashes is escaped.
        if (escaped) {
          i++;
          escaped = false;
        }
        const q = i < n ? text.indexOf('"', i) : -1;
        if (q < 0) {
          let k = n;
          while (k > i && text.charCodeAt(k - 1) === 92) k--;
          escaped = ((n - k) & 1) === 1;
          break;
        }
        let k = q;
        while (k > i && text.charCodeAt(k - 1) === 92) k--;
        if (((q - k) & 1) === 0) inString = false;
        i = q + 1;
        continue;
      }
      const c = text.charCodeAt(i);
      if (c === 34) {
        inString = true;
      } else if (c === 123 || c === 91) {
        if (++depth > MAX_JSON_DEPTH) this.tooDeep = true;
      } else if (c === 125 || c === 93) {
        if (depth > 0) depth--;
        else if (c === 93) {
          this.finishElement(text, start, i);
          this.phase = DONE;
          return i + 1;
        }
      } else if (c === 44 && depth === 0) {
        this.finishElement(text, start, i);
        this.phase = NEXT_ELEMENT;
        return i + 1;
      }
      i++;
    }
    this.depth = depth;
    this.inString = inString;
    this.escaped = escaped;
    this.elementLength += n - start;
    if (this.elementLength > this.maxRecordBytes) {
      // Over the limit: find the element's end, but keep none of its text.
      this.oversized = true;
      this.element = '';
    } else {
      this.element += text.slice(start, n);
    }
    return n;
  }

  private finishElement(text: string, start: number, end: number): void {
    const row = ++this.rows;
    const length = this.elementLength + end - start;
    if (this.oversized || length > this.maxRecordBytes) {
      this.collector.error(row, null, `element is longer than ${this.maxRecordBytes} characters; skipped`);
    } else if (this.tooDeep) {
      this.collector.error(row, null, `element nests deeper than ${MAX_JSON_DEPTH} levels`);
    } else {
      const source = this.element.length > 0 ? this.element + text.slice(start, end) : text.slice(start, end);
      let value: unknown;
      let parsed = true;
      try {
        value = JSON.parse(source);
      } catch (error) {
        parsed = false;
        this.collector.error(row, null, `not valid JSON: ${describeError(error)}`);
      }
      if (parsed) this.collector.object(row, value);
    }
    this.element = '';
    this.elementLength = 0;
    this.depth = 0;
    this.inString = false;
    this.escaped = false;
    this.tooDeep = false;
    this.oversized = false;
  }
}
