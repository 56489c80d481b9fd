import { describe, expect, it } from 'vitest';
import { MachineModel, NOMINAL } from '../../src/simulate/machine-model.js';
import { Rng } from '../../src/simulate/random.js';
import { simulateReadings } from '../../src/simulate/index.js';

function columns(rows: number, machines: number, seed: number): number[][] {
  const cols: number[][] = [[], [], [], []];
  for (const r of simulateReadings({ rows, machines, seed })) r.values.forEach((v, i) => cols[i]!.push(v));
  return cols;
}
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
function correlation(a: number[], b: number[]): number {
  const ma = mean(a);
  const mb = mean(b);
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += (a[i]! - ma) * (b[i]! - mb);
    aa += (a[i]! - ma) ** 2;
    bb += (b[i]! - mb) ** 2;
  }
  return ab / Math.sqrt(aa * bb);
}

describe('normal operation', () => {
  const nominal = [NOMINAL.temperature, NOMINAL.vibration, NOMINAL.pressure, NOMINAL.power];

  it.each([42, 1, 2024])('centres on the seed example reading (seed %i, 20k rows)', (seed) => {
    const cols = columns(20_000, 1, seed);
    cols.forEach((col, i) => {
      expect(Math.abs(mean(col) / nominal[i]! - 1)).toBeLessThan(0.02);
    });
  });

  it('varies like a running machine, within the typical ranges', () => {
    const [t, v, p, w] = columns(20_000, 1, 42).map((col) => [...col].sort((a, b) => a - b));
    const q = (xs: number[], f: number) => xs[Math.floor(f * (xs.length - 1))]!;
    // 1st and 99th percentiles inside the typical ranges, with real spread.
    expect(q(t!, 0.01)).toBeGreaterThan(61.5);
    expect(q(t!, 0.99)).toBeLessThan(69.5);
    expect(q(t!, 0.99) - q(t!, 0.01)).toBeGreaterThan(3);
    expect(q(v!, 0.01)).toBeGreaterThan(0.95);
    expect(q(v!, 0.99)).toBeLessThan(1.45);
    expect(q(v!, 0.99) - q(v!, 0.01)).toBeGreaterThan(0.2);
    expect(q(p!, 0.01)).toBeGreaterThan(41.5);
    expect(q(p!, 0.99)).toBeLessThan(48.5);
    expect(q(w!, 0.01)).toBeGreaterThan(195);
    expect(q(w!, 0.99)).toBeLessThan(305);
    expect(q(w!, 0.99) - q(w!, 0.01)).toBeGreaterThan(60);
  });

  it('moves the sensors together with load (temperature with a lag)', () => {
    const [t, v, p, w] = columns(20_000, 1, 42);
    expect(correlation(w!, p!)).toBeGreaterThan(0.95);
    expect(correlation(w!, v!)).toBeGreaterThan(0.9);
    // The thermal lag weakens the instant correlation but it stays clearly positive...
    const instant = correlation(w!, t!);
    expect(instant).toBeGreaterThan(0.4);
    // ...and temperature correlates better with power of a few minutes earlier.
    const lag = 180;
    const lagged = correlation(w!.slice(0, -lag), t!.slice(lag));
    expect(lagged).toBeGreaterThan(instant);
  });

  it('keeps the seed client reading (85 °C, 2.5 mm/s at 45 bar, 250 kW) far off normal operation', () => {
    const [t, v] = columns(30_000, 3, 42);
    expect(Math.max(...t!)).toBeLessThan(72);
    expect(Math.max(...v!)).toBeLessThan(1.7);
  });

  it('gives each machine its own operating point and load process', () => {
    const byMachine = new Map<string, number[]>();
    for (const r of simulateReadings({ rows: 20_000, machines: 4, seed: 3 })) {
      const list = byMachine.get(r.machineId) ?? [];
      list.push(r.values[3]!);
      byMachine.set(r.machineId, list);
    }
    expect([...byMachine.keys()]).toEqual(['MACHINE_001', 'MACHINE_002', 'MACHINE_003', 'MACHINE_004']);
    const powers = [...byMachine.values()];
    expect(Math.abs(correlation(powers[0]!, powers[1]!))).toBeLessThan(0.5);
    for (const p of powers) expect(Math.abs(mean(p) / 250 - 1)).toBeLessThan(0.12);
  });

  it('changes load regime every few minutes with smooth ramps', () => {
    const model = new MachineModel({ ...NOMINAL }, new Rng(11), 1000);
    const out = new Float64Array(4);
    const loads: number[] = [];
    for (let i = 0; i < 7200; i++) {
      model.step(out);
      loads.push(model.load);
    }
    let maxStep = 0;
    for (let i = 1; i < loads.length; i++) maxStep = Math.max(maxStep, Math.abs(loads[i]! - loads[i - 1]!));
    expect(maxStep).toBeLessThan(0.03); // smooth: no jumps from one second to the next
    // Load levels over 2 hours span most of 0.8..1.2.
    expect(Math.min(...loads)).toBeLessThan(0.87);
    expect(Math.max(...loads)).toBeGreaterThan(1.13);
  });

  it('behaves at long intervals too (hourly readings stay in the normal ranges)', () => {
    for (const r of simulateReadings({ rows: 500, intervalMs: 3_600_000, seed: 4 })) {
      expect(r.values[0]).toBeGreaterThan(61);
      expect(r.values[0]).toBeLessThan(70);
    }
  });
});
