import type { PredictionColumns } from '../model/prediction.js';
import type { ByteBuilder } from './byte-builder.js';
import { TimestampBytes, putAscii, putBytes, putFloat32, putMicros, putUint } from './byte-format.js';
import { float32Text, isPlainFloat32, roundShares, toMicros } from './number-format.js';

/**
 * Writes the rows of prediction columns as bytes, field by field, for the CSV
 * and JSON writers: the row's pieces in between (separators, JSON keys) come
 * from `pieces`. Numbers (see number-format.ts): the score as the shortest
 * decimal of its float32; confidence and contributions with 6 decimals, the
 * contributions rounded so that they sum to exactly 1; the threshold at full
 * precision. A number that is not finite is written as `missing` ('' in CSV,
 * null in JSON).
 */
export interface RowPieces {
  /** Before the row number; after the row number; after the timestamp; after the machine id when (not) anomalous. */
  start: Uint8Array;
  afterRow: Uint8Array;
  afterTimestamp: Uint8Array;
  normal: Uint8Array;
  anomaly: Uint8Array;
  afterScore: Uint8Array;
  afterThreshold: Uint8Array;
  /** Before each contribution. */
  contributions: readonly Uint8Array[];
  end: Uint8Array;
}

export class PredictionRows {
  private readonly timestamps = new TimestampBytes();
  /** Per machine id: the bytes from after the timestamp to the score, when normal and when anomalous. */
  private readonly machinePieces: MachinePieces;
  private readonly missing: Uint8Array;
  private readonly micros: Float64Array;
  private lastThreshold = Number.NaN;
  /** The bytes from after the score to the confidence, for `lastThreshold`. */
  private thresholdPiece: Uint8Array = new Uint8Array(0);
  /** Most bytes of a row besides its machine id and threshold. */
  private readonly bound: number;

  constructor(
    private readonly pieces: RowPieces,
    missing: string,
    renderMachineId: (id: string) => string,
  ) {
    this.machinePieces = new MachinePieces((id) => {
      const text = Buffer.concat([pieces.afterTimestamp, Buffer.from(renderMachineId(id), 'utf8')]);
      return [Buffer.concat([text, pieces.normal]), Buffer.concat([text, pieces.anomaly])];
    });
    this.missing = Buffer.from(missing);
    this.micros = new Float64Array(pieces.contributions.length);
    const fixed = [
      pieces.start,
      pieces.afterRow,
      pieces.afterTimestamp,
      pieces.anomaly,
      pieces.normal,
      pieces.afterScore,
      pieces.afterThreshold,
      pieces.end,
    ];
    // Row number and timestamp at most 27 bytes each; a number at most 32 (toFixed(6) below 1e21 or String(v)).
    this.bound =
      27 +
      27 +
      32 * (2 + pieces.contributions.length) +
      fixed.reduce((n, p) => n + p.length, 0) +
      pieces.contributions.reduce((n, p) => n + p.length, 0);
  }

  /** Appends rows [from, to) of `batch`. */
  write(out: ByteBuilder, batch: PredictionColumns, from = 0, to = batch.count): void {
    const p = this.pieces;
    const k = p.contributions.length;
    for (let i = from; i < to; i++) {
      const machine = this.machinePieces.get(batch.machineIds[i]!)[batch.isAnomaly[i] === 1 ? 1 : 0]!;
      const threshold = this.threshold(batch.thresholds[i]!);
      out.reserve(this.bound + machine.length + threshold.length);
      const b = out.buffer;
      let at = putBytes(b, out.length, p.start);
      at = this.row(b, at, batch.rows[i]!);
      at = putBytes(b, at, p.afterRow);
      at = this.timestamps.put(b, at, batch.timestamps[i]!);
      at = putBytes(b, at, machine);
      at = this.score(b, at, batch.scores[i]!);
      at = putBytes(b, at, threshold);
      at = this.share(b, at, batch.confidence[i]!);
      const offset = i * batch.width;
      const rounded = roundShares(batch.contributions, offset, k, this.micros);
      for (let f = 0; f < k; f++) {
        at = putBytes(b, at, p.contributions[f]!);
        at = rounded ? putMicros(b, at, this.micros[f]!) : this.share(b, at, batch.contributions[offset + f]!);
      }
      out.length = putBytes(b, at, p.end);
    }
  }

  private row(b: Uint8Array, at: number, row: number): number {
    return row >= 0 && Number.isSafeInteger(row) ? putUint(b, at, row) : putAscii(b, at, String(row).slice(0, 27));
  }

  private score(b: Uint8Array, at: number, value: number): number {
    if (isPlainFloat32(value)) return putFloat32(b, at, value);
    return Number.isFinite(value) ? putAscii(b, at, float32Text(value)) : putBytes(b, at, this.missing);
  }

  /** A share in [0, 1] with 6 decimals (toFixed(6) for other values). */
  private share(b: Uint8Array, at: number, value: number): number {
    const micros = toMicros(value);
    if (micros >= 0) return putMicros(b, at, micros);
    return Number.isFinite(value) ? putAscii(b, at, value.toFixed(6)) : putBytes(b, at, this.missing);
  }

  private threshold(value: number): Uint8Array {
    if (value !== this.lastThreshold) {
      this.lastThreshold = value;
      const text = Number.isFinite(value) ? Buffer.from(String(value)) : this.missing;
      this.thresholdPiece = Buffer.concat([this.pieces.afterScore, text, this.pieces.afterThreshold]);
    }
    return this.thresholdPiece;
  }
}

/**
 * Rendered bytes per machine id, in a Map that is emptied when it reaches
 * `limit` (memory stays bounded), behind a small most-recently-used list that
 * compares by identity: rows of a few machines take turns, and their ids are
 * the same string objects (see MachineIdCache), so most lookups end there.
 */
class MachinePieces {
  private readonly map = new Map<string, Uint8Array[]>();
  private readonly recentIds: (string | null)[] = [null, null, null, null];
  private readonly recentPieces: Uint8Array[][] = [[], [], [], []];
  private next = 0;

  constructor(
    private readonly render: (id: string) => Uint8Array[],
    private readonly limit = 4096,
  ) {}

  get(id: string): Uint8Array[] {
    const ids = this.recentIds;
    for (let k = 0; k < ids.length; k++) if (ids[k] === id) return this.recentPieces[k]!;
    let pieces = this.map.get(id);
    if (pieces === undefined) {
      if (this.map.size >= this.limit) this.map.clear();
      pieces = this.render(id);
      this.map.set(id, pieces);
    }
    ids[this.next] = id;
    this.recentPieces[this.next] = pieces;
    this.next = (this.next + 1) % ids.length;
    return pieces;
  }
}

/** The UTF-8 bytes of a constant piece of output. */
export function utf8(text: string): Uint8Array {
  return Buffer.from(text, 'utf8');
}
