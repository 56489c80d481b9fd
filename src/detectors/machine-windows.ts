/** What a reading's window looks like when it arrives. */
export type WindowStatus = 'ready' | 'warming_up';

export interface WindowPush {
  status: WindowStatus;
  /** The reading is older than the machine's newest one: scored against the window as it is, not stored. */
  outOfOrder: boolean;
}

interface MachineBuffer {
  /** Ring of the machine's last W readings, W*F values. */
  ring: Float64Array;
  /** Index (in readings) where the next reading goes. */
  head: number;
  stored: number;
  lastTimestamp: number;
}

/**
 * Bounded per-machine ring buffers that turn a stream of readings into window
 * rows for a windowed model (W readings of F features, oldest first).
 *
 * Order rules (kept simple on purpose):
 * - readings of one machine are expected in timestamp order;
 * - a reading with the same timestamp as the machine's newest one is a new
 *   reading like any other (it replaces nothing and is scored as-is);
 * - a reading older than the machine's newest one is scored against the
 *   machine's window as it is (its last W-1 readings plus this one), flagged
 *   `outOfOrder`, and not stored, so it never disturbs later windows;
 * - until a machine has W readings its readings are `warming_up` (not scored).
 * At most `maxMachines` machines are kept; the one seen least recently is
 * forgotten first (and warms up again if it comes back).
 */
export class MachineWindows {
  private readonly machines = new Map<string, MachineBuffer>();

  constructor(
    readonly width: number,
    readonly window: number,
    readonly maxMachines = 100_000,
  ) {}

  get size(): number {
    return this.machines.size;
  }

  /** Adds a reading and, when its window is full, writes the window row into `out` at `offset`. */
  push(machineId: string, timestamp: number, values: ArrayLike<number>, out: Float32Array, offset: number): WindowPush {
    const { width, window } = this;
    let m = this.machines.get(machineId);
    if (m) {
      this.machines.delete(machineId);
    } else {
      m = { ring: new Float64Array(width * window), head: 0, stored: 0, lastTimestamp: Number.NEGATIVE_INFINITY };
      if (this.machines.size >= this.maxMachines) this.machines.delete(this.machines.keys().next().value!);
    }
    this.machines.set(machineId, m);
    const outOfOrder = timestamp < m.lastTimestamp;
    if (outOfOrder) {
      if (m.stored < window - 1) return { status: 'warming_up', outOfOrder };
      this.copyLast(m, window - 1, out, offset);
      for (let c = 0; c < width; c++) out[offset + (window - 1) * width + c] = values[c]!;
      return { status: 'ready', outOfOrder };
    }
    m.lastTimestamp = timestamp;
    for (let c = 0; c < width; c++) m.ring[m.head * width + c] = values[c]!;
    m.head = (m.head + 1) % window;
    m.stored = Math.min(window, m.stored + 1);
    if (m.stored < window) return { status: 'warming_up', outOfOrder };
    this.copyLast(m, window, out, offset);
    return { status: 'ready', outOfOrder };
  }

  /** Forgets one machine (or all). */
  reset(machineId?: string): void {
    if (machineId === undefined) this.machines.clear();
    else this.machines.delete(machineId);
  }

  /** Writes the machine's newest `count` readings, oldest first. */
  private copyLast(m: MachineBuffer, count: number, out: Float32Array, offset: number): void {
    const { width, window } = this;
    for (let k = 0; k < count; k++) {
      const slot = (m.head - count + k + window) % window;
      for (let c = 0; c < width; c++) out[offset + k * width + c] = m.ring[slot * width + c]!;
    }
  }
}
