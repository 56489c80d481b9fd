import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { builtinSchemas } from '../../src/schema/builtin-schemas.js';
import { SENSORS, simulateReadings, parseFaultSpec } from '../../src/simulate/index.js';
import { Rng, mixSeed } from '../../src/simulate/random.js';
import { simulateText } from './simulate-helpers.js';

describe('simulator determinism', () => {
  const options = {
    rows: 3000,
    machines: 3,
    labels: true,
    faults: [parseFaultSpec('power_surge@2:100+200'), parseFaultSpec('bearing_wear@1:50+500')],
  };

  it('gives byte-identical output for the same arguments', async () => {
    const a = await simulateText({ ...options, seed: 5 });
    const b = await simulateText({ ...options, seed: 5 });
    expect(a).toBe(b);
    expect(a.split('\n')).toHaveLength(3002); // header + rows + final newline
  });

  it('gives different output for a different seed', async () => {
    const a = await simulateText({ ...options, seed: 5 });
    const b = await simulateText({ ...options, seed: 6 });
    expect(a).not.toBe(b);
    // Same shape: same timestamps and machine ids, different values.
    const col = (text: string, i: number) => text.split('\n').map((line) => line.split(',')[i]);
    expect(col(a, 0)).toEqual(col(b, 0));
    expect(col(a, 2)).not.toEqual(col(b, 2));
  });

  it('keeps every normal row unchanged when faults are added', () => {
    const plain = [...simulateReadings({ rows: 2000, machines: 2, seed: 9 })];
    const faulty = [
      ...simulateReadings({ rows: 2000, machines: 2, seed: 9, faults: [parseFaultSpec('overheating@2:300+200')] }),
    ];
    let changed = 0;
    plain.forEach((row, i) => {
      const other = faulty[i]!;
      if (other.fault === null) expect(Array.from(other.values)).toEqual(Array.from(row.values));
      else changed++;
    });
    expect(changed).toBe(200);
  });

  it('matches the committed fixture (regenerate with fixtures/make-fixtures.sh when this changes on purpose)', async () => {
    const text = await simulateText({
      rows: 600,
      machines: 2,
      seed: 7,
      labels: true,
      faults: [parseFaultSpec('overheating@1:150+100'), parseFaultSpec('bearing_wear@2:120+150')],
    });
    expect(text).toBe(readFileSync(new URL('../../fixtures/sensors.csv', import.meta.url), 'utf8'));
  });

  it('uses the default schema order for its values', () => {
    expect(builtinSchemas.get('default')!.features.map((f) => f.name)).toEqual([...SENSORS]);
  });

  it('has a seeded PRNG with sane uniform and normal draws', () => {
    const rng = new Rng(mixSeed(1, 2, 3));
    const n = 50_000;
    let sum = 0;
    let sumSq = 0;
    let uMin = 1;
    let uMax = 0;
    for (let i = 0; i < n; i++) {
      const u = rng.next();
      uMin = Math.min(uMin, u);
      uMax = Math.max(uMax, u);
      const z = rng.normal();
      sum += z;
      sumSq += z * z;
    }
    expect(uMin).toBeGreaterThanOrEqual(0);
    expect(uMax).toBeLessThan(1);
    expect(Math.abs(sum / n)).toBeLessThan(0.03);
    expect(Math.abs(sumSq / n - 1)).toBeLessThan(0.03);
    expect(new Rng(7).next()).toBe(new Rng(7).next());
    expect(mixSeed(1, 2)).not.toBe(mixSeed(2, 1));
  });
});
