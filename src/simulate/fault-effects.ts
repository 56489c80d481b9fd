import { DEFAULT_FAULT_SENSOR, SENSORS, type FaultSpec } from './faults.js';
import type { Rng } from './random.js';

const TEMPERATURE = 0;
const VIBRATION = 1;
const PRESSURE = 2;
const POWER = 3;

/**
 * One injected fault acting on the readings of one machine. `apply` is called
 * for each reading inside the fault window, in order, with `j` counting from 0;
 * it changes `values` in place and returns whether this reading is faulty
 * (a power surge labels only its spike readings).
 */
export interface FaultEffect {
  readonly spec: FaultSpec;
  apply(j: number, values: Float64Array, previous: Float64Array, hasPrevious: boolean): boolean;
}

function smoothstep(x: number): number {
  return x >= 1 ? 1 : 0.5 - 0.5 * Math.cos(Math.PI * x);
}

/** Builds the effect of a fault; its random parameters come from its own stream, so faults never change normal rows. */
export function createFaultEffect(spec: FaultSpec, rng: Rng): FaultEffect {
  const sensor = SENSORS.indexOf(spec.sensor ?? DEFAULT_FAULT_SENSOR);
  const d = spec.duration;
  switch (spec.type) {
    case 'bearing_wear': {
      const factor = rng.uniform(3, 4);
      return {
        spec,
        apply(j, values) {
          const p = (j + 1) / d;
          const wear = Math.pow(p, 1.5);
          // Worn bearings vibrate more and more irregularly, and run a little warmer.
          values[VIBRATION] = values[VIBRATION]! * (1 + (factor - 1) * wear) * (1 + 0.05 * wear * rng.normal());
          values[TEMPERATURE] = values[TEMPERATURE]! + 2.5 * wear;
          return true;
        },
      };
    }
    case 'overheating': {
      const rise = rng.uniform(15, 25);
      const ramp = Math.max(1, Math.ceil(d * 0.3));
      return {
        spec,
        apply(j, values) {
          values[TEMPERATURE] = values[TEMPERATURE]! + rise * smoothstep((j + 1) / ramp);
          return true;
        },
      };
    }
    case 'pressure_leak': {
      const loss = rng.uniform(0.25, 0.45);
      return {
        spec,
        apply(j, values) {
          values[PRESSURE] = values[PRESSURE]! * (1 - loss * ((j + 1) / d));
          return true;
        },
      };
    }
    case 'power_surge': {
      let spikeEnd = -1;
      let nextSpike = 0;
      let amplitude = 0;
      return {
        spec,
        apply(j, values) {
          if (j >= nextSpike) {
            amplitude = rng.uniform(0.5, 1);
            spikeEnd = j + rng.int(1, 5);
            nextSpike = spikeEnd + rng.int(2, 20);
          }
          if (j >= spikeEnd) return false;
          values[POWER] = values[POWER]! * (1 + amplitude);
          return true;
        },
      };
    }
    case 'stuck_sensor': {
      let stuck = Number.NaN;
      return {
        spec,
        apply(j, values, previous, hasPrevious) {
          if (j === 0) stuck = hasPrevious ? previous[sensor]! : values[sensor]!;
          values[sensor] = stuck;
          return true;
        },
      };
    }
    case 'sensor_dropout':
      return {
        spec,
        apply(_j, values) {
          values[sensor] = 0;
          return true;
        },
      };
  }
}
