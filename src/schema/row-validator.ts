import { ImindError } from '../errors.js';
import type { FeatureSchema } from './feature-schema.js';
import type { Reading, RowError } from './reading.js';
import { parseTimestamp } from './timestamp.js';
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
        throw new ImindError('input_malformed', `header names column "${name}" twice (columns ${index.get(name)! + 1} and ${i + 1})`);
      }
      index.set(name, i);
    });
    const find = (names: readonly string[]): number[] => names.map((n) => index.get(n)).filter((i): i is number => i !== undefined);
    const one = (label: string, names: readonly string[], required: boolean): number => {
      const found = find(names);
      if (found.length > 1) throw new ImindError('input_malformed', `header has ${label} twice (as ${names.filter((n) => index.has(n)).join(' and ')})`);
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
      const cell = cells[map.features[i]!];
      const name = this.names[i]!;
      if (cell === undefined || cell.trim() === '') return { row, field: name, message: `${name} is missing` };
      if (!DECIMAL.test(cell)) return { row, field: name, message: `${name} is not a number: ${quote(cell)}` };
      const value = Number(cell);
      if (!Number.isFinite(value)) return { row, field: name, message: `${name} is not a finite number: ${quote(cell)}` };
      const problem = rangeProblem(value, this.mins[i]!, this.maxs[i]!);
      if (problem) return { row, field: name, message: `${name} ${problem}` };
      values[i] = value;
    }
    return this.finish(row, cells[map.timestamp], map.machineId < 0 ? undefined : cells[map.machineId], values);
  }

  /** Validates one JSON object (a JSON array element or an NDJSON line). */
  validateObject(row: number, record: unknown): Reading | RowError {
    if (record === null || typeof record !== 'object' || Array.isArray(record)) {
      return { row, field: null, message: `row is ${describeJsonType(record)}, expected an object` };
    }
    const obj = record as Record<string, unknown>;
    const n = this.names.length;
    const values = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const name = this.names[i]!;
      let value = obj[name];
      if (value === undefined) {
        for (const alias of this.schema.features[i]!.aliases) if (obj[alias] !== undefined) value = obj[alias];
      }
      if (value === undefined || value === null) return { row, field: name, message: `${name} is missing` };
      if (typeof value !== 'number') return { row, field: name, message: `${name} must be a number, got ${describeJsonType(value)}` };
      if (!Number.isFinite(value)) return { row, field: name, message: `${name} is not a finite number` };
      const problem = rangeProblem(value, this.mins[i]!, this.maxs[i]!);
      if (problem) return { row, field: name, message: `${name} ${problem}` };
      values[i] = value;
    }
    let ts = obj.timestamp;
    if (ts === undefined) for (const alias of this.schema.timestampAliases) if (obj[alias] !== undefined) ts = obj[alias];
    if (ts !== undefined && typeof ts !== 'string') return { row, field: 'timestamp', message: `timestamp must be a string, got ${describeJsonType(ts)}` };
    const id = obj.machine_id;
    if (id !== undefined && typeof id !== 'string') return { row, field: 'machine_id', message: `machine_id must be a string, got ${describeJsonType(id)}` };
    return this.finish(row, ts, id, values);
  }

  private finish(row: number, ts: string | undefined, id: string | undefined, values: Float64Array): Reading | RowError {
    if (ts === undefined || ts === '') return { row, field: 'timestamp', message: 'timestamp is missing' };
    const timestamp = parseTimestamp(ts.trim());
    const tsProblem = timestampProblem(timestamp, this.options);
    if (tsProblem) return { row, field: 'timestamp', message: `timestamp ${tsProblem}: ${quote(ts)}` };
    let machineId = id;
    if (machineId === undefined || (machineId === '' && this.schema.defaultMachineId !== null)) {
      if (this.schema.defaultMachineId === null) return { row, field: 'machine_id', message: 'machine_id is missing' };
      machineId = this.schema.defaultMachineId;
    }
    const idProblem = machineIdProblem(machineId);
    if (idProblem) return { row, field: 'machine_id', message: `machine_id ${idProblem}` };
    return { row, timestamp, machineId, values };
  }
}

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
