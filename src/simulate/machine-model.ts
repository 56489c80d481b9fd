import type { Rng } from './random.js';

/** A machine's sensor values at nominal load (load 1.0), in the default schema's units. */
export interface OperatingPoint {
  temperature: number;
  vibration: number;
  pressure: number;
  power: number;
}

/** The seed service's example reading: machine 1 runs exactly here. */
export const NOMINAL: Readonly<OperatingPoint> = { temperature: 65.5, vibration: 1.2, pressure: 45, power: 250 };

/** Load process: production regimes of a few minutes, each joined to the next by a smooth ramp. */
const REGIME_SECONDS = [120, 480] as const;
const RAMP_SECONDS = [20, 90] as const;
const LOAD_RANGE = [0.8, 1.2] as const;
/** Regime targets are drawn from these bins, each once per round, so long runs average load 1.0. */
const LOAD_BINS = 6;
/** Small slow wander of the load inside a regime (AR(1)). */
const WANDER_SD = 0.01;
const WANDER_TAU_S = 60;
const LOAD_LIMITS = [0.75, 1.25] as const;

/** Sensor physics around the operating point (load 1.0). */
const THERMAL_TAU_S = 240;
const TEMPERATURE_PER_LOAD = 17; // °C per unit of load: 62..69 °C over load 0.8..1.2
const PRESSURE_SHARE = 0.3; // pressure = P0 * (0.7 + 0.3 load): 42..48 bar
const VIBRATION_SHARE = 0.83; // vibration = V0 * (0.17 + 0.83 load): 1.0..1.4 mm/s
const NOISE = { temperature: 0.06, vibrationRel: 0.012, pressure: 0.1, powerRel: 0.004 } as const;

/** Machine 1 runs at NOMINAL; the others at a slightly different point drawn from the seed. */
export function operatingPoint(machineIndex: number, rng: Rng): OperatingPoint {
  if (machineIndex === 0) return { ...NOMINAL };
  return {
    temperature: NOMINAL.temperature + rng.uniform(-1.5, 1.5),
    vibration: NOMINAL.vibration * (1 + rng.uniform(-0.08, 0.08)),
    pressure: NOMINAL.pressure * (1 + rng.uniform(-0.03, 0.03)),
    power: NOMINAL.power * (1 + rng.uniform(-0.06, 0.06)),
  };
}

/**
 * One running machine: a load process and four sensors that follow it
 * (power ∝ load; pressure and vibration rise with load; temperature follows
 * load through a first-order thermal lag), with small sensor noise.
 */
export class MachineModel {
  private readonly dt: number;
  private readonly wanderKeep: number;
  private readonly wanderStep: number;
  private readonly thermalStep: number;
  private t = 0;
  private fromLoad: number;
  private toLoad: number;
  private regimeStart = 0;
  private regimeEnd: number;
  private ramp = 1;
  private wander: number;
  private thermal: number;
  private bins: number[] = [];
  /** The load of the last step (for tests and docs). */
  load: number;

  constructor(
    readonly point: OperatingPoint,
    private readonly rng: Rng,
    intervalMs: number,
  ) {
    this.dt = intervalMs / 1000;
    this.wanderKeep = Math.exp(-this.dt / WANDER_TAU_S);
    this.wanderStep = WANDER_SD * Math.sqrt(1 - this.wanderKeep * this.wanderKeep);
    this.thermalStep = 1 - Math.exp(-this.dt / THERMAL_TAU_S);
    this.toLoad = this.nextTarget();
    this.fromLoad = this.toLoad;
    // Start somewhere inside the first regime, so machines do not switch in step.
    this.regimeEnd = rng.uniform(REGIME_SECONDS[0] / 4, REGIME_SECONDS[1]);
    this.wander = WANDER_SD * rng.normal();
    this.load = this.toLoad + this.wander;
    this.thermal = this.load;
  }

  /** Writes this step's [temperature, vibration, pressure, power] into `out` and advances one interval. */
  step(out: Float64Array): void {
    const rng = this.rng;
    while (this.t >= this.regimeEnd) this.nextRegime();
    const x = (this.t - this.regimeStart) / this.ramp;
    const base =
      x >= 1 ? this.toLoad : this.fromLoad + (this.toLoad - this.fromLoad) * (0.5 - 0.5 * Math.cos(Math.PI * x));
    if (this.t > 0) this.wander = this.wander * this.wanderKeep + this.wanderStep * rng.normal();
    const load = Math.min(LOAD_LIMITS[1], Math.max(LOAD_LIMITS[0], base + this.wander));
    if (this.t > 0) this.thermal += (load - this.thermal) * this.thermalStep;
    this.load = load;

    const p = this.point;
    out[0] = p.temperature + TEMPERATURE_PER_LOAD * (this.thermal - 1) + NOISE.temperature * rng.normal();
    out[1] = p.vibration * (1 - VIBRATION_SHARE + VIBRATION_SHARE * load) * (1 + NOISE.vibrationRel * rng.normal());
    out[2] = p.pressure * (1 - PRESSURE_SHARE + PRESSURE_SHARE * load) + NOISE.pressure * rng.normal();
    out[3] = p.power * load * (1 + NOISE.powerRel * rng.normal());
    this.t += this.dt;
  }

  private nextRegime(): void {
    const x = (this.regimeEnd - this.regimeStart) / this.ramp;
    this.fromLoad =
      x >= 1 ? this.toLoad : this.fromLoad + (this.toLoad - this.fromLoad) * (0.5 - 0.5 * Math.cos(Math.PI * x));
    this.toLoad = this.nextTarget();
    this.regimeStart = this.regimeEnd;
    const length = this.rng.uniform(REGIME_SECONDS[0], REGIME_SECONDS[1]);
    this.regimeEnd += length;
    this.ramp = Math.min(length, this.rng.uniform(RAMP_SECONDS[0], RAMP_SECONDS[1]));
  }

  private nextTarget(): number {
    if (this.bins.length === 0) {
      this.bins = Array.from({ length: LOAD_BINS }, (_, i) => i);
      for (let i = LOAD_BINS - 1; i > 0; i--) {
        const j = this.rng.int(0, i);
        [this.bins[i], this.bins[j]] = [this.bins[j]!, this.bins[i]!];
      }
    }
    const bin = this.bins.pop()!;
    const width = (LOAD_RANGE[1] - LOAD_RANGE[0]) / LOAD_BINS;
    return LOAD_RANGE[0] + width * (bin + this.rng.next());
  }
}
