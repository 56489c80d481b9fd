import { ImindError } from '../errors.js';
import type { FeatureSchema } from './feature-schema.js';
import type { Reading, RowError } from './reading.js';
import { MachineIdCache } from './machine-id-cache.js';
import { parsePlainDecimal } from './decimal-span.js';
import type { ReadingColumns } from './reading-columns.js';
import { TimestampSpanParser, parseTimestamp } from './timestamp.js';
import { machineIdProblem, rangeProblem, timestampProblem, type ValidationOptions } from './validation-options.js';

const DECIMAL = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$/;

/** Where each schema field sits in a CSV row. */
export interface ColumnMap {
  timestamp: number;
  /** -1 when absent and the schema has a default machine id. */
  machineId: number;
  features: Int32Array;
}

/**
 * The fast path of row validation for files: the same rules as `readingSchema`
 * (a property test holds them equal), without building zod issue objects per row.
 * Extra columns/fields are ignored in files.
 */
export class RowValidator {
  private readonly names: string[];
  private readonly mins: Float64Array;
  private readonly maxs: Float64Array;
  private readonly timestamps = new TimestampSpanParser();
  private readonly machineIds = new MachineIdCache();
  /** Timestamps up to this lie not in the future (see plausible). */
  private futureLimit = Number.NEGATIVE_INFINITY;

  constructor(
    readonly schema: FeatureSchema,
    private readonly options: ValidationOptions,
  ) {
    this.names = schema.features.map((f) => f.name);
    this.mins = Float64Array.from(schema.features, (f) => f.min);
    this.maxs = Float64Array.from(schema.features, (f) => f.max);
  }

  /** Maps a CSV header to schema fields; throws when a column is missing or doubled. */
  columnMap(header: readonly string[]): ColumnMap {
    const index = new Map<string, number>();
    header.forEach((raw, i) => {
      const name = raw.trim();
      if (index.has(name)) {
        throw new ImindError(
          'input_malformed',
          `header names column "${name}" twice (columns ${index.get(name)! + 1} and ${i + 1})`,
        );
      }
      index.set(name, i);
    });
    const find = (names: readonly string[]): number[] =>
      names.map((n) => index.get(n)).filter((i): i is number => i !== undefined);
    const one = (label: string, names: readonly string[], required: boolean): number => {
      const found = find(names);
      if (found.length > 1)
        throw new ImindError(
          'input_malformed',
          `header has ${label} twice (as ${names.filter((n) => index.has(n)).join(' and ')})`,
        );
      if (found.length === 0) {
        if (!required) return -1;
        throw new ImindError('input_malformed', `header has no "${label}" column`, {
          hint: `expected columns: ${['timestamp', 'machine_id', ...this.names].join(', ')}`,
        });
      }
      return found[0]!;
    };
    const timestamp = one('timestamp', ['timestamp', ...this.schema.timestampAliases], true);
    const machineId = one('machine_id', ['machine_id'], this.schema.defaultMachineId === null);
    const features = Int32Array.from(this.schema.features, (f) => one(f.name, [f.name, ...f.aliases], true));
    return { timestamp, machineId, features };
  }

  /** Validates one CSV row (cells as strings). */
  validateCells(row: number, cells: readonly string[], map: ColumnMap): Reading | RowError {
    const n = this.names.length;
    const values = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const value = this.cellNumber(row, i, cells[map.features[i]!]);
      if (typeof value !== 'number') return value;
      values[i] = value;
    }
    const id = map.machineId < 0 ? undefined : cells[map.machineId];
    const ts = cells[map.timestamp];
    if (ts === undefined || ts === '') return { row, field: 'timestamp', message: 'timestamp is missing' };
    return this.finish(row, ts, parseTimestamp(ts.trim()), id, values);
  }

  /**
   * validateCells for an unquoted CSV record given as spans of `text` (cell k is
   * text[bounds[2k], bounds[2k+1])), writing the reading into `out` instead of
   * returning it: the same rules and messages, without a string per cell. Plain
   * decimals and common timestamps are read in place; other cells are sliced
   * and take the general path.
   */
  validateSpans(row: number, text: string, bounds: Int32Array, map: ColumnMap, out: ReadingColumns): RowError | null {
    const n = this.names.length;
    const values = out.reserve();
    const base = out.nextOffset;
    for (let i = 0; i < n; i++) {
      const k = 2 * map.features[i]!;
      const start = bounds[k]!;
      const end = bounds[k + 1]!;
      let value = parsePlainDecimal(text, start, end);
      if (Number.isNaN(value)) {
        const general = this.cellNumber(row, i, text.slice(start, end));
        if (typeof general !== 'number') return general;
        value = general;
      } else if (value < this.mins[i]! || value > this.maxs[i]!) {
        return this.rangeError(row, i, value);
      }
      values[base + i] = value;
    }
    const t = 2 * map.timestamp;
    const tsStart = bounds[t]!;
    const tsEnd = bounds[t + 1]!;
    if (tsStart === tsEnd) return { row, field: 'timestamp', message: 'timestamp is missing' };
    const timestamp = this.timestamps.parse(text, tsStart, tsEnd);
    if (!this.plausible(timestamp)) return this.timestampError(row, timestamp, text.slice(tsStart, tsEnd));
    let machineId: string | undefined;
    if (map.machineId >= 0) {
      const m = 2 * map.machineId;
      const idStart = bounds[m]!;
      const idEnd = bounds[m + 1]!;
      machineId = this.machineIds.find(text, idStart, idEnd) ?? undefined;
      if (machineId === undefined) {
        const id = this.machineId(row, text.slice(idStart, idEnd));
        if (typeof id !== 'string') return id;
        this.machineIds.remember(text, idStart, idEnd, id);
        machineId = id;
      }
    } else {
      const id = this.machineId(row, undefined);
      if (typeof id !== 'string') return id;
      machineId = id;
    }
    out.commit(row, timestamp, machineId);
    return null;
  }

  /** Validates one JSON object (a JSON array element or an NDJSON line). */
  validateObject(row: number, record: unknown): Reading | RowError {
    const values = new Float64Array(this.names.length);
    const result = this.objectInto(row, record, values, 0);
    if (isRowError(result)) return result;
    return { row, timestamp: result.timestamp, machineId: result.machineId, values };
  }

  /** validateObject writing the reading into `out`; returns the row error or null. */
  validateObjectInto(row: number, record: unknown, out: ReadingColumns): RowError | null {
    const result = this.objectInto(row, record, out.reserve(), out.nextOffset);
    if (isRowError(result)) return result;
    out.commit(row, result.timestamp, result.machineId);
    return null;
  }

  /** Checks a JSON object, writing its feature values to values[offset...]. */
  private objectInto(row: number, record: unknown, values: Float64Array, offset: number): Reading | RowError {
    if (record === null || typeof record !== 'object' || Array.isArray(record)) {
      return { row, field: null, message: `row is ${describeJsonType(record)}, expected an object` };
    }
    const obj = record as Record<string, unknown>;
    const n = this.names.length;
    for (let i = 0; i < n; i++) {
      const name = this.names[i]!;
      let value = obj[name];
      if (value === undefined) {
        for (const alias of this.schema.features[i]!.aliases) if (obj[alias] !== undefined) value = obj[alias];
      }
      if (value === undefined || value === null) return { row, field: name, message: `${name} is missing` };
      if (typeof value !== 'number')
        return { row, field: name, message: `${name} must be a number, got ${describeJsonType(value)}` };
      if (!Number.isFinite(value)) return { row, field: name, message: `${name} is not a finite number` };
      if (value < this.mins[i]! || value > this.maxs[i]!) return this.rangeError(row, i, value);
      values[offset + i] = value;
    }
    let ts = obj.timestamp;
    if (ts === undefined)
      for (const alias of this.schema.timestampAliases) if (obj[alias] !== undefined) ts = obj[alias];
    if (ts !== undefined && typeof ts !== 'string')
      return { row, field: 'timestamp', message: `timestamp must be a string, got ${describeJsonType(ts)}` };
    const id = obj.machine_id;
    if (id !== undefined && typeof id !== 'string')
      return { row, field: 'machine_id', message: `machine_id must be a string, got ${describeJsonType(id)}` };
    if (ts === undefined || ts === '') return { row, field: 'timestamp', message: 'timestamp is missing' };
    return this.finish(row, ts, this.timestamps.parseString(ts), id, EMPTY_VALUES);
  }

  /** One feature cell as a number, or its row error (missing, not a number, out of range). */
  private cellNumber(row: number, i: number, cell: string | undefined): number | RowError {
    const name = this.names[i]!;
    if (cell === undefined || cell.trim() === '') return { row, field: name, message: `${name} is missing` };
    if (!DECIMAL.test(cell)) return { row, field: name, message: `${name} is not a number: ${quote(cell)}` };
    const value = Number(cell);
    if (!Number.isFinite(value)) return { row, field: name, message: `${name} is not a finite number: ${quote(cell)}` };
    if (value < this.mins[i]! || value > this.maxs[i]!) return this.rangeError(row, i, value);
    return value;
  }

  private rangeError(row: number, i: number, value: number): RowError {
    const name = this.names[i]!;
    return { row, field: name, message: `${name} ${rangeProblem(value, this.mins[i]!, this.maxs[i]!)}` };
  }

  private finish(
    row: number,
    ts: string,
    timestamp: number,
    id: string | undefined,
    values: Float64Array,
  ): Reading | RowError {
    if (!this.plausible(timestamp)) return this.timestampError(row, timestamp, ts);
    const machineId = this.machineId(row, id);
    if (typeof machineId !== 'string') return machineId;
    return { row, timestamp, machineId, values };
  }

  /**
   * True when the timestamp parsed and is not in the future. The clock is read
   * again only for a timestamp later than the last limit seen: a limit taken
   * earlier is never later than the current one, so no row is let through that
   * reading the clock per row would reject.
   */
  private plausible(timestamp: number): boolean {
    if (timestamp <= this.futureLimit) return true;
    if (Number.isNaN(timestamp)) return false;
    const limit = this.options.now() + this.options.clockSkewMs;
    if (timestamp > limit) return false;
    this.futureLimit = limit;
    return true;
  }

  private timestampError(row: number, timestamp: number, ts: string): RowError {
    const problem = timestampProblem(timestamp, this.options) ?? 'lies in the future';
    return { row, field: 'timestamp', message: `timestamp ${problem}: ${quote(ts)}` };
  }

  /** The machine id to use (the schema's default when absent), or its row error. */
  private machineId(row: number, id: string | undefined): string | RowError {
    if (id !== undefined) {
      const known = this.machineIds.findString(id);
      if (known !== null) return known;
    }
    let machineId = id;
    if (machineId === undefined || (machineId === '' && this.schema.defaultMachineId !== null)) {
      if (this.schema.defaultMachineId === null) return { row, field: 'machine_id', message: 'machine_id is missing' };
      machineId = this.schema.defaultMachineId;
    }
    const idProblem = machineIdProblem(machineId);
    if (idProblem) return { row, field: 'machine_id', message: `machine_id ${idProblem}` };
    if (machineId === id) this.machineIds.remember(machineId, 0, machineId.length, machineId);
    return machineId;
  }
}

const EMPTY_VALUES = new Float64Array(0);

export function isRowError(result: Reading | RowError): result is RowError {
  return (result as RowError).message !== undefined;
}

function quote(text: string): string {
  const short = text.length > 40 ? `${text.slice(0, 40)}…` : text;
  return JSON.stringify(short);
}

function describeJsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
