import { describe, expect, it } from 'vitest';
import { builtinSchemas } from '../../src/schema/builtin-schemas.js';
import {
  FAULT_TYPES,
  SENSORS,
  formatFaultSpec,
  parseFaultSpec,
  simulateReadings,
  type FaultSpec,
  type SimulatedReading,
} from '../../src/simulate/index.js';

const T = 0;
const V = 1;
const P = 2;
const W = 3;
const START = 200;
const DURATION = 300;

/** Readings of machine 2 (of 2) with and without the fault, same seed. */
function run(spec: string): { plain: SimulatedReading[]; faulty: SimulatedReading[]; fault: FaultSpec } {
  const fault = parseFaultSpec(spec);
  const base = { rows: 1600, machines: 2, seed: 21, labels: true };
  const mine = (r: SimulatedReading) => r.machineId === 'MACHINE_002';
  return {
    plain: [...simulateReadings(base)].filter(mine),
    faulty: [...simulateReadings({ ...base, faults: [fault] })].filter(mine),
    fault,
  };
}

function windowOf<T>(list: T[]): T[] {
  return list.slice(START, START + DURATION);
}

function expectOnlyWindowLabelled(faulty: SimulatedReading[], name: string): void {
  faulty.forEach((r, k) => {
    if (k < START || k >= START + DURATION) expect(r.fault).toBeNull();
    else if (r.fault !== null) expect(r.fault).toBe(name);
  });
}

describe('injected faults', () => {
  it('bearing_wear: vibration grows gradually to 3-4x', () => {
    const { plain, faulty } = run(`bearing_wear@2:${START}+${DURATION}`);
    const ratio = windowOf(faulty).map((r, j) => r.values[V]! / windowOf(plain)[j]!.values[V]!);
    expect(Math.max(...ratio.slice(0, 30))).toBeLessThan(1.3);
    const last = ratio.slice(-10);
    for (const x of last) {
      expect(x).toBeGreaterThan(2.6);
      expect(x).toBeLessThan(4.5);
    }
    // gradual: the mean ratio rises from quarter to quarter
    const quarters = [0, 1, 2, 3].map((q) => ratio.slice(q * 75, q * 75 + 75).reduce((a, b) => a + b) / 75);
    for (let q = 1; q < 4; q++) expect(quarters[q]!).toBeGreaterThan(quarters[q - 1]!);
    expect(windowOf(faulty).every((r) => r.fault === 'bearing_wear')).toBe(true);
    expectOnlyWindowLabelled(faulty, 'bearing_wear');
  });

  it('overheating: temperature climbs by 15-25 °C and only temperature changes', () => {
    const { plain, faulty } = run(`overheating@2:${START}+${DURATION}`);
    const rise = windowOf(faulty).map((r, j) => r.values[T]! - windowOf(plain)[j]!.values[T]!);
    expect(rise[0]!).toBeLessThan(1);
    const held = rise.slice(Math.ceil(DURATION * 0.3));
    for (const x of held) {
      expect(x).toBeGreaterThanOrEqual(14.99);
      expect(x).toBeLessThanOrEqual(25.01);
    }
    for (let j = 1; j < rise.length; j++) expect(rise[j]!).toBeGreaterThanOrEqual(rise[j - 1]! - 0.002);
    windowOf(faulty).forEach((r, j) => {
      expect(r.values[P]).toBe(windowOf(plain)[j]!.values[P]);
      expect(r.values[W]).toBe(windowOf(plain)[j]!.values[W]);
    });
    expectOnlyWindowLabelled(faulty, 'overheating');
  });

  it('pressure_leak: pressure drifts down', () => {
    const { plain, faulty } = run(`pressure_leak@2:${START}+${DURATION}`);
    const ratio = windowOf(faulty).map((r, j) => r.values[P]! / windowOf(plain)[j]!.values[P]!);
    expect(ratio[0]!).toBeGreaterThan(0.99);
    expect(ratio.at(-1)!).toBeGreaterThan(0.5);
    expect(ratio.at(-1)!).toBeLessThan(0.8);
    for (let j = 1; j < ratio.length; j++) expect(ratio[j]!).toBeLessThan(ratio[j - 1]! + 1e-4);
    expectOnlyWindowLabelled(faulty, 'pressure_leak');
  });

  it('power_surge: short spikes of +50-100 %, only spike readings labelled', () => {
    const { plain, faulty } = run(`power_surge@2:${START}+${DURATION}`);
    const inWindow = windowOf(faulty);
    const spikes = inWindow.filter((r) => r.fault === 'power_surge');
    expect(spikes.length).toBeGreaterThan(10);
    expect(spikes.length).toBeLessThan(DURATION / 2);
    expect(inWindow[0]!.fault).toBe('power_surge'); // the window opens with a spike
    let spikeLength = 0;
    inWindow.forEach((r, j) => {
      const ratio = r.values[W]! / windowOf(plain)[j]!.values[W]!;
      if (r.fault === null) {
        expect(ratio).toBe(1);
        spikeLength = 0;
      } else {
        expect(ratio).toBeGreaterThan(1.499);
        expect(ratio).toBeLessThan(2.001);
        spikeLength++;
        expect(spikeLength).toBeLessThanOrEqual(5);
      }
    });
    expectOnlyWindowLabelled(faulty, 'power_surge');
  });

  it.each(SENSORS.map((s, i) => [s, i] as const))('stuck_sensor:%s repeats the last value exactly', (sensor, i) => {
    const { plain, faulty } = run(`stuck_sensor:${sensor}@2:${START}+${DURATION}`);
    const last = faulty[START - 1]!.values[i]!;
    for (const [j, r] of windowOf(faulty).entries()) {
      expect(r.values[i]).toBe(last);
      for (let other = 0; other < 4; other++) {
        if (other !== i) expect(r.values[other]).toBe(windowOf(plain)[j]!.values[other]);
      }
    }
    expect(faulty[START + DURATION]!.values[i]).not.toBe(last);
    expectOnlyWindowLabelled(faulty, 'stuck_sensor');
  });

  it('stuck_sensor at the first reading sticks to that reading', () => {
    const rows = [...simulateReadings({ rows: 50, faults: [parseFaultSpec('stuck_sensor@1:0+50')] })];
    expect(new Set(rows.map((r) => r.values[T])).size).toBe(1);
    expect(new Set(rows.map((r) => r.values[W])).size).toBeGreaterThan(1);
  });

  it.each(SENSORS.map((s, i) => [s, i] as const))('sensor_dropout:%s reads 0', (sensor, i) => {
    const { faulty } = run(`sensor_dropout:${sensor}@2:${START}+${DURATION}`);
    for (const r of windowOf(faulty)) expect(r.values[i]).toBe(0);
    expect(faulty[START - 1]!.values[i]).not.toBe(0);
    expect(faulty[START + DURATION]!.values[i]).not.toBe(0);
  });

  it('defaults stuck_sensor and sensor_dropout to temperature', () => {
    const { faulty } = run(`sensor_dropout@2:${START}+${DURATION}`);
    expect(faulty[START]!.values[T]).toBe(0);
    expect(faulty[START]!.values[V]).not.toBe(0);
  });

  it('acts on its own machine only, and truncates a fault past the end', () => {
    const rows = [
      ...simulateReadings({ rows: 400, machines: 2, seed: 3, faults: [parseFaultSpec('overheating@1:150+500')] }),
    ];
    expect(rows.filter((r) => r.machineId === 'MACHINE_002').every((r) => r.fault === null)).toBe(true);
    expect(rows.filter((r) => r.fault !== null)).toHaveLength(50);
  });

  it('joins the names of overlapping faults', () => {
    const rows = [
      ...simulateReadings({
        rows: 100,
        faults: [parseFaultSpec('overheating@1:10+50'), parseFaultSpec('sensor_dropout:vibration@1:40+30')],
      }),
    ];
    expect(rows[20]!.fault).toBe('overheating');
    expect(rows[45]!.fault).toBe('overheating+sensor_dropout');
    expect(rows[45]!.values[V]).toBe(0);
    expect(rows[65]!.fault).toBe('sensor_dropout');
  });

  it('keeps every faulty reading inside the schema ranges', () => {
    const schema = builtinSchemas.get('default')!;
    const faults = FAULT_TYPES.map((type, k) => parseFaultSpec(`${type}@${(k % 3) + 1}:${100 + k * 40}+400`));
    for (const r of simulateReadings({ rows: 6000, machines: 3, seed: 77, faults })) {
      schema.features.forEach((f, i) => {
        expect(r.values[i]).toBeGreaterThanOrEqual(f.min);
        expect(r.values[i]).toBeLessThanOrEqual(f.max);
      });
    }
  });
});

describe('parseFaultSpec', () => {
  it('parses types, machines, starts, durations and sensors', () => {
    expect(parseFaultSpec('bearing_wear@2:500+300')).toEqual({
      type: 'bearing_wear',
      machine: 2,
      start: 500,
      duration: 300,
    });
    expect(parseFaultSpec(' stuck_sensor:vibration@1:100+50 ')).toEqual({
      type: 'stuck_sensor',
      machine: 1,
      start: 100,
      duration: 50,
      sensor: 'vibration',
    });
    for (const type of FAULT_TYPES) {
      const text = `${type}@3:0+1`;
      expect(formatFaultSpec(parseFaultSpec(text))).toBe(text);
    }
  });

  it.each([
    ['', /not of the form/],
    ['bearing_wear', /not of the form/],
    ['bearing_wear@2:500', /not of the form/],
    ['bearing_wear@2:-5+10', /not of the form/],
    ['bearing_wear@2:1.5+10', /not of the form/],
    ['Bearing_Wear@2:5+10', /not of the form/],
    ['melting@1:5+10', /unknown fault type "melting"/],
    ['overheating@0:5+10', /numbered from 1/],
    ['overheating@1:5+0', /at least 1 reading/],
    ['overheating@1:5+99999999999', /too large/],
    ['overheating:temperature@1:5+10', /only stuck_sensor and sensor_dropout take a sensor/],
    ['stuck_sensor:humidity@1:5+10', /unknown sensor "humidity"/],
  ])('rejects %j', (text, message) => {
    try {
      parseFaultSpec(text);
      expect.unreachable('should throw');
    } catch (error) {
      expect(error).toMatchObject({ name: 'ImindError', code: 'usage' });
      expect((error as Error).message).toMatch(message);
      expect((error as { hint?: string }).hint).toMatch(/TYPE\[:SENSOR\]@MACHINE:START\+DURATION/);
    }
  });
});
