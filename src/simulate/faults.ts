import { ImindError } from '../errors.js';

/** The sensors of the default schema, in its order. */
export const SENSORS = ['temperature', 'vibration', 'pressure', 'power'] as const;
export type SensorName = (typeof SENSORS)[number];

export const FAULT_TYPES = [
  'bearing_wear',
  'overheating',
  'pressure_leak',
  'power_surge',
  'stuck_sensor',
  'sensor_dropout',
] as const;
export type FaultType = (typeof FAULT_TYPES)[number];

/** Fault types that act on one chosen sensor (`TYPE:SENSOR@...`). */
export const SENSOR_FAULTS: readonly FaultType[] = ['stuck_sensor', 'sensor_dropout'];
export const DEFAULT_FAULT_SENSOR: SensorName = 'temperature';

/** What each fault does, for help texts and docs. */
export const FAULT_DESCRIPTIONS: Record<FaultType, string> = {
  bearing_wear: 'vibration grows gradually to 3-4x (and temperature a little)',
  overheating: 'temperature climbs by 15-25 °C within the first third, then stays up',
  pressure_leak: 'pressure drifts down by 25-45 % over the duration',
  power_surge: 'short power spikes of +50-100 % (1-5 readings each); only spike readings are labelled',
  stuck_sensor: 'one sensor (default temperature) repeats its last value exactly',
  sensor_dropout: 'one sensor (default temperature) reads 0',
};

export interface FaultSpec {
  type: FaultType;
  /** 1-based machine number (MACHINE_001 is 1). */
  machine: number;
  /** How many readings of that machine come before the fault (0 = from its first reading). */
  start: number;
  /** Length of the fault in readings of that machine. */
  duration: number;
  /** Only for stuck_sensor and sensor_dropout. */
  sensor?: SensorName;
}

export const FAULT_SPEC_SYNTAX = 'TYPE[:SENSOR]@MACHINE:START+DURATION';
const FAULT_SPEC = /^([a-z_]+)(?::([a-z_]+))?@(\d+):(\d+)\+(\d+)$/;
const MAX_COUNT = 1_000_000_000;

function usage(message: string): ImindError {
  return new ImindError('usage', message, {
    hint:
      `a fault is ${FAULT_SPEC_SYNTAX}, e.g. "bearing_wear@2:500+300" or "stuck_sensor:vibration@1:100+50"; ` +
      `types: ${FAULT_TYPES.join(', ')}`,
  });
}

/** Parses "bearing_wear@2:500+300" or "stuck_sensor:vibration@1:100+50". */
export function parseFaultSpec(text: string): FaultSpec {
  const trimmed = text.trim();
  const m = FAULT_SPEC.exec(trimmed);
  if (!m) throw usage(`fault "${text}" is not of the form ${FAULT_SPEC_SYNTAX}`);
  const [, typeText, sensorText, machineText, startText, durationText] = m;
  if (!(FAULT_TYPES as readonly string[]).includes(typeText!)) throw usage(`unknown fault type "${typeText}"`);
  const type = typeText as FaultType;
  const machine = Number(machineText);
  const start = Number(startText);
  const duration = Number(durationText);
  if (machine < 1) throw usage(`fault "${text}": machines are numbered from 1`);
  if (start > MAX_COUNT || duration > MAX_COUNT || machine > MAX_COUNT)
    throw usage(`fault "${text}": number too large`);
  if (duration < 1) throw usage(`fault "${text}": duration must be at least 1 reading`);
  const spec: FaultSpec = { type, machine, start, duration };
  if (sensorText !== undefined) {
    if (!SENSOR_FAULTS.includes(type)) {
      throw usage(`fault "${text}": only ${SENSOR_FAULTS.join(' and ')} take a sensor`);
    }
    if (!(SENSORS as readonly string[]).includes(sensorText)) {
      throw usage(`fault "${text}": unknown sensor "${sensorText}" (use one of ${SENSORS.join(', ')})`);
    }
    spec.sensor = sensorText as SensorName;
  }
  return spec;
}

/** The canonical text of a fault spec (parseFaultSpec's inverse). */
export function formatFaultSpec(spec: FaultSpec): string {
  const sensor = spec.sensor === undefined ? '' : `:${spec.sensor}`;
  return `${spec.type}${sensor}@${spec.machine}:${spec.start}+${spec.duration}`;
}
