import { ImindError } from '../errors.js';
import { builtinSchemas } from '../schema/builtin-schemas.js';
import { createFaultEffect, type FaultEffect } from './fault-effects.js';
import { formatFaultSpec, SENSORS, type FaultSpec } from './faults.js';
import { MachineModel, operatingPoint } from './machine-model.js';
import { mixSeed, Rng } from './random.js';

export interface SimulationOptions {
  /** Total rows over all machines. */
  rows: number;
  machines: number;
  seed: number;
  intervalMs: number;
  /** Epoch ms of the first reading. */
  start: number;
  faults: FaultSpec[];
  /** Add the `fault` label column. */
  labels: boolean;
}

export const DEFAULT_SIMULATION: Readonly<SimulationOptions> = {
  rows: 10_000,
  machines: 1,
  seed: 42,
  intervalMs: 1000,
  start: Date.UTC(2024, 0, 15),
  faults: [],
  labels: false,
};

export interface SimulatedReading {
  /** Epoch ms, UTC. */
  timestamp: number;
  machineId: string;
  /** [temperature, vibration, pressure, power], rounded to 3 decimals. */
  values: Float64Array;
  /** The fault name(s) acting on this reading, joined by "+", or null. */
  fault: string | null;
}

export const MAX_ROWS = 1_000_000_000;
export const MAX_MACHINES = 10_000;
/** 9999-12-31T23:59:59.999Z: later timestamps have no 4-digit ISO form. */
const LAST_TIMESTAMP = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
const DECIMALS = 1000;

const defaultSchema = builtinSchemas.get('default')!;
const MINS = Float64Array.from(defaultSchema.features, (f) => f.min);
const MAXS = Float64Array.from(defaultSchema.features, (f) => f.max);

export function machineId(index: number): string {
  return `MACHINE_${String(index + 1).padStart(3, '0')}`;
}

/** How many readings machine `index` (0-based) gets. */
export function readingsOfMachine(opts: SimulationOptions, index: number): number {
  return Math.floor(opts.rows / opts.machines) + (index < opts.rows % opts.machines ? 1 : 0);
}

/** Timestamp of the last row. */
export function lastTimestamp(opts: SimulationOptions): number {
  return opts.start + Math.floor((opts.rows - 1) / opts.machines) * opts.intervalMs;
}

function usage(message: string, hint?: string): ImindError {
  return new ImindError('usage', message, hint === undefined ? {} : { hint });
}

function checkInteger(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw usage(`${name} must be a whole number from ${min} to ${max}, got ${value}`);
  }
}

/** Fills in defaults and checks every option (throws ImindError 'usage'). */
export function resolveSimulationOptions(input: Partial<SimulationOptions> = {}): SimulationOptions {
  const opts: SimulationOptions = { ...DEFAULT_SIMULATION, ...input, faults: [...(input.faults ?? [])] };
  checkInteger('rows', opts.rows, 1, MAX_ROWS);
  checkInteger('machines', opts.machines, 1, MAX_MACHINES);
  checkInteger('seed', opts.seed, 0, 0xffffffff);
  checkInteger('interval (ms)', opts.intervalMs, 1, 366 * 86_400_000);
  checkInteger('start (epoch ms)', opts.start, 0, LAST_TIMESTAMP);
  if (lastTimestamp(opts) > LAST_TIMESTAMP) {
    throw usage(
      'the last reading would lie after the year 9999',
      'use fewer rows, a shorter interval or an earlier start',
    );
  }
  for (const fault of opts.faults) {
    const text = formatFaultSpec(fault);
    if (fault.machine > opts.machines) {
      throw usage(
        `fault ${text} is on machine ${fault.machine}, but there are only ${opts.machines}`,
        'raise --machines',
      );
    }
    const readings = readingsOfMachine(opts, fault.machine - 1);
    if (fault.start >= readings) {
      throw usage(
        `fault ${text} starts after the last reading of machine ${fault.machine} (it has ${readings} reading${readings === 1 ? '' : 's'})`,
        'START counts readings of that machine; lower it or raise --rows',
      );
    }
  }
  return opts;
}

interface MachineState {
  model: MachineModel;
  faults: FaultEffect[];
  /** Readings produced so far. */
  count: number;
  previous: Float64Array;
}

/**
 * The row-by-row engine behind simulateReadings and writeSimulation. Rows come
 * in time order, one per machine per interval; `step` reuses one buffer, so
 * writing a million rows allocates almost nothing per row.
 */
export class Simulator {
  readonly options: SimulationOptions;
  readonly machineIds: string[];
  /** The current row (valid after step() returned true). */
  timestamp = 0;
  machine = -1;
  readonly values = new Float64Array(SENSORS.length);
  fault: string | null = null;
  private row = 0;
  private readonly machines: MachineState[];

  constructor(input: Partial<SimulationOptions> = {}) {
    const opts = resolveSimulationOptions(input);
    this.options = opts;
    this.machineIds = Array.from({ length: opts.machines }, (_, i) => machineId(i));
    this.machines = this.machineIds.map((_, i) => {
      const point = operatingPoint(i, new Rng(mixSeed(opts.seed, i, 1)));
      return {
        model: new MachineModel(point, new Rng(mixSeed(opts.seed, i, 2)), opts.intervalMs),
        faults: [],
        count: 0,
        previous: new Float64Array(SENSORS.length),
      };
    });
    opts.faults.forEach((spec, k) => {
      const rng = new Rng(mixSeed(opts.seed, spec.machine - 1, 1000 + k));
      this.machines[spec.machine - 1]!.faults.push(createFaultEffect(spec, rng));
    });
  }

  /** Advances to the next row; false when all rows are done. */
  step(): boolean {
    const opts = this.options;
    if (this.row >= opts.rows) return false;
    const m = this.row % opts.machines;
    this.timestamp = opts.start + Math.floor(this.row / opts.machines) * opts.intervalMs;
    this.machine = m;
    this.row++;

    const state = this.machines[m]!;
    const values = this.values;
    state.model.step(values);
    const k = state.count;
    let label: string | null = null;
    for (const effect of state.faults) {
      const { start, duration, type } = effect.spec;
      if (k < start || k >= start + duration) continue;
      if (effect.apply(k - start, values, state.previous, k > 0)) label = label === null ? type : `${label}+${type}`;
    }
    for (let i = 0; i < values.length; i++) {
      const clamped = Math.min(MAXS[i]!, Math.max(MINS[i]!, values[i]!));
      values[i] = Math.round(clamped * DECIMALS) / DECIMALS;
    }
    state.previous.set(values);
    state.count = k + 1;
    this.fault = label;
    return true;
  }
}

/** Simulated readings in time order (each with its own values array). Options are checked at once. */
export function simulateReadings(input: Partial<SimulationOptions> = {}): Generator<SimulatedReading> {
  return readingsOf(new Simulator(input));
}

function* readingsOf(sim: Simulator): Generator<SimulatedReading> {
  while (sim.step()) {
    yield {
      timestamp: sim.timestamp,
      machineId: sim.machineIds[sim.machine]!,
      values: Float64Array.from(sim.values),
      fault: sim.fault,
    };
  }
}
