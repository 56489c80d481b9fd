import type { Reading } from './reading.js';

/**
 * Validated readings stored by column: what the file readers fill and the batch
 * scorer consumes, without an object and a Float64Array per row (at a million
 * rows per second, per-row allocation and the garbage collector it feeds cost
 * more than parsing). `toReadings()` gives the row objects for everyone else.
 *
 * A row is written in place at index `count` (values first, then timestamp and
 * machine id) and becomes part of the batch only when `commit` is called, so a
 * row that fails half way leaves nothing behind.
 */
export class ReadingColumns {
  count = 0;
  rows: Float64Array;
  timestamps: Float64Array;
  readonly machineIds: string[] = [];
  /** Row-major, `width` values per row, in the schema's feature order. */
  values: Float64Array;

  /** Room for `limit` rows at most; storage starts small and doubles as rows come. */
  constructor(
    readonly width: number,
    readonly limit: number,
  ) {
    const initial = Math.min(limit, 1024);
    this.rows = new Float64Array(initial);
    this.timestamps = new Float64Array(initial);
    this.values = new Float64Array(initial * width);
  }

  get full(): boolean {
    return this.count >= this.limit;
  }

  /** Offset of the next row's first value in `values`. */
  get nextOffset(): number {
    return this.count * this.width;
  }

  /** `values`, with room for the next row at `nextOffset`. */
  reserve(): Float64Array {
    if (this.count === this.rows.length) this.grow();
    return this.values;
  }

  /** Adds the row whose values were written at `nextOffset` (after reserve()). */
  commit(row: number, timestamp: number, machineId: string): void {
    const i = this.count++;
    this.rows[i] = row;
    this.timestamps[i] = timestamp;
    this.machineIds[i] = machineId;
  }

  /** Adds a reading object. */
  push(reading: Reading): void {
    this.reserve().set(reading.values, this.nextOffset);
    this.commit(reading.row, reading.timestamp, reading.machineId);
  }

  /** The rows as Reading objects (each with its own copy of the values). */
  toReadings(): Reading[] {
    const out = new Array<Reading>(this.count);
    const w = this.width;
    for (let i = 0; i < this.count; i++) {
      out[i] = {
        row: this.rows[i]!,
        timestamp: this.timestamps[i]!,
        machineId: this.machineIds[i]!,
        values: this.values.slice(i * w, (i + 1) * w),
      };
    }
    return out;
  }

  private grow(): void {
    const capacity = Math.min(this.limit, Math.max(1, this.rows.length * 2));
    this.rows = copyInto(new Float64Array(capacity), this.rows);
    this.timestamps = copyInto(new Float64Array(capacity), this.timestamps);
    this.values = copyInto(new Float64Array(capacity * this.width), this.values);
  }
}

function copyInto(target: Float64Array, source: Float64Array): Float64Array {
  target.set(source);
  return target;
}
