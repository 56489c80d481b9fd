import { extname } from 'node:path';
import { formatTimestamp } from '../schema/timestamp.js';
import { SENSORS } from './faults.js';
import { Simulator, type SimulationOptions } from './simulator.js';

export const SIMULATION_FORMATS = ['csv', 'ndjson', 'json'] as const;
export type SimulationFormat = (typeof SIMULATION_FORMATS)[number];

const EXTENSIONS: Record<string, SimulationFormat> = {
  '.csv': 'csv',
  '.ndjson': 'ndjson',
  '.jsonl': 'ndjson',
  '.json': 'json',
};

/** The format a file name implies (.csv, .ndjson/.jsonl, .json), or null. */
export function formatFromPath(path: string): SimulationFormat | null {
  return EXTENSIONS[extname(path).toLowerCase()] ?? null;
}

/** Text is handed to the sink in chunks of about this many characters. */
const CHUNK_CHARS = 64 * 1024;

const DAY_MS = 86_400_000;
const TWO_DIGITS = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));
const THREE_DIGITS = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));

/**
 * formatTimestamp (Date#toISOString) for consecutive timestamps, several
 * times faster: the date part is formatted once per day.
 */
export class TimestampFormatter {
  private day = Number.NaN;
  private datePart = '';

  format(epochMs: number): string {
    const day = Math.floor(epochMs / DAY_MS);
    if (day !== this.day) {
      this.day = day;
      this.datePart = formatTimestamp(day * DAY_MS).slice(0, 11); // "2024-01-15T"
    }
    let rest = epochMs - day * DAY_MS;
    const ms = rest % 1000;
    rest = (rest - ms) / 1000;
    const s = rest % 60;
    rest = (rest - s) / 60;
    const m = rest % 60;
    const h = (rest - m) / 60;
    return `${this.datePart}${TWO_DIGITS[h]}:${TWO_DIGITS[m]}:${TWO_DIGITS[s]}.${THREE_DIGITS[ms]}Z`;
  }
}

type RowFormatter = (sim: Simulator, timestamp: string) => string;

function rowFormatter(format: SimulationFormat, labels: boolean): RowFormatter {
  if (format === 'csv') {
    return (sim, ts) => {
      const v = sim.values;
      const line = `${ts},${sim.machineIds[sim.machine]},${v[0]},${v[1]},${v[2]},${v[3]}`;
      return labels ? `${line},${sim.fault ?? ''}\n` : `${line}\n`;
    };
  }
  const [t, vib, p, w] = SENSORS;
  return (sim, ts) => {
    const v = sim.values;
    const object = `{"timestamp":"${ts}","machine_id":"${sim.machineIds[sim.machine]}","${t}":${v[0]},"${vib}":${v[1]},"${p}":${v[2]},"${w}":${v[3]}`;
    return labels ? `${object},"fault":"${sim.fault ?? ''}"}` : `${object}}`;
  };
}

/** Watches a sink for errors and early closing, and waits for 'drain'. */
class SinkGuard {
  private failure: Error | null = null;
  private wake: (() => void) | null = null;
  private readonly onError = (error: Error): void => this.fail(error);
  private readonly onClose = (): void => this.fail(new Error('the output was closed before the simulation ended'));
  private readonly onDrain = (): void => this.wakeUp();
  private readonly onAbort = (): void =>
    this.fail(this.signal?.reason instanceof Error ? this.signal.reason : new Error('aborted'));

  constructor(
    private readonly sink: NodeJS.WritableStream,
    private readonly signal: AbortSignal | undefined,
  ) {
    sink.on('error', this.onError);
    sink.on('close', this.onClose);
    sink.on('drain', this.onDrain);
    signal?.addEventListener('abort', this.onAbort);
    if (signal?.aborted) this.onAbort();
  }

  /** Writes a chunk, then waits for 'drain' (or one turn of the event loop, so signals and errors arrive). */
  async write(text: string): Promise<void> {
    this.check();
    const ok = this.sink.write(text);
    await new Promise<void>((resolve) => {
      if (ok || this.failure) setImmediate(resolve);
      else this.wake = resolve;
    });
    this.check();
  }

  dispose(): void {
    this.sink.off('error', this.onError);
    this.sink.off('close', this.onClose);
    this.sink.off('drain', this.onDrain);
    this.signal?.removeEventListener('abort', this.onAbort);
  }

  private check(): void {
    if (this.failure) throw this.failure;
  }

  private fail(error: Error): void {
    this.failure ??= error;
    this.wakeUp();
  }

  private wakeUp(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }
}

/**
 * Streams a simulation as CSV, NDJSON or a JSON array into `sink`, in chunks,
 * honouring backpressure; memory stays flat for any number of rows. Resolves
 * with the number of rows once the last chunk is handed over (the caller ends
 * the sink). Rejects with the sink's error (e.g. EPIPE), or the signal's
 * reason when aborted.
 */
export async function writeSimulation(
  input: Partial<SimulationOptions>,
  format: SimulationFormat,
  sink: NodeJS.WritableStream,
  signal?: AbortSignal,
): Promise<number> {
  const sim = new Simulator(input);
  const labels = sim.options.labels;
  const formatRow = rowFormatter(format, labels);
  const separator = format === 'json' ? ',\n' : '\n';
  const guard = new SinkGuard(sink, signal);
  let rows = 0;
  let chunk = '';
  if (format === 'csv') chunk = `timestamp,machine_id,${SENSORS.join(',')}${labels ? ',fault' : ''}\n`;
  else if (format === 'json') chunk = '[\n';
  const timestamps = new TimestampFormatter();
  let lastMs = Number.NaN;
  let ts = '';
  try {
    while (sim.step()) {
      if (sim.timestamp !== lastMs) {
        lastMs = sim.timestamp;
        ts = timestamps.format(lastMs);
      }
      if (format === 'csv') chunk += formatRow(sim, ts);
      else chunk += rows === 0 ? formatRow(sim, ts) : separator + formatRow(sim, ts);
      rows++;
      if (chunk.length >= CHUNK_CHARS) {
        await guard.write(chunk);
        chunk = '';
      }
    }
    if (format === 'json') chunk += '\n]\n';
    else if (format === 'ndjson') chunk += '\n';
    await guard.write(chunk);
  } finally {
    guard.dispose();
  }
  return rows;
}
