import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { confidence } from '../../src/model/confidence.js';
import { builtinSchemas } from '../../src/schema/builtin-schemas.js';
import { parseSchema } from '../../src/schema/load-schema.js';
import { readingSchema } from '../../src/schema/reading-schema.js';
import { isRowError, RowValidator } from '../../src/schema/row-validator.js';
import { parseTimestamp } from '../../src/schema/timestamp.js';
import { defaultValidationOptions } from '../../src/schema/validation-options.js';
import { VERSION } from '../../src/version.js';

const NOW = Date.UTC(2026, 0, 1);
const options = defaultValidationOptions({ now: () => NOW });
const schema = builtinSchemas.get('default')!;
const validator = new RowValidator(schema, options);
const zodReading = readingSchema(schema, options);

describe('timestamps', () => {
  const utc = Date.UTC(2024, 0, 15, 10, 30, 0);
  it.each([
    ['2024-01-15T10:30:00Z', utc],
    ['2024-01-15T10:30:00', utc], // naive = UTC (the seed crashed on the aware form; both work here)
    ['2024-01-15T10:30:00.000000', utc], // Python's datetime.utcnow().isoformat() form
    ['2024-01-15 10:30:00', utc],
    ['2024-01-15T10:30Z', utc],
    ['2024-01-15T11:30:00+01:00', utc],
    ['2024-01-15T05:30:00-0500', utc],
    ['2024-01-15T12:30:00+02', utc],
    ['20240115T103000Z', utc],
    ['2024-01-15T10:30:00,5Z', utc + 500],
    ['2024-01-15', Date.UTC(2024, 0, 15)],
  ])('%s', (text, expected) => {
    expect(parseTimestamp(text)).toBe(expected);
  });
  it.each([
    '2024-13-01T00:00:00Z',
    '2023-02-29',
    '2024-01-15T25:00:00Z',
    'yesterday',
    '',
    '2024-01-15T10:30:00+25:00',
    '1705314600',
  ])('rejects %s', (text) => expect(parseTimestamp(text)).toBeNaN());
});

describe('row validation', () => {
  const good = {
    timestamp: '2024-01-15T10:30:00Z',
    machine_id: 'MACHINE_001',
    temperature: 65.5,
    vibration: 1.2,
    pressure: 45,
    power: 250,
  };
  it('accepts the seed example and names the field of each problem', () => {
    expect(isRowError(validator.validateObject(1, good))).toBe(false);
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ ...good, temperature: 250 }, 'temperature', /outside the valid range -50\.\.200/],
      [{ ...good, pressure: undefined }, 'pressure', /missing/],
      [{ ...good, power: '250' }, 'power', /must be a number/],
      [{ ...good, vibration: Number.NaN }, 'vibration', /finite/],
      [{ ...good, timestamp: '2999-01-01T00:00:00Z' }, 'timestamp', /future/],
      [{ ...good, machine_id: '' }, 'machine_id', /empty/],
      [{ ...good, machine_id: 'x'.repeat(51) }, 'machine_id', /50 characters/],
    ];
    for (const [row, field, message] of cases) {
      const result = validator.validateObject(7, row);
      expect(isRowError(result) && result.field).toBe(field);
      expect(isRowError(result) && result.message).toMatch(message);
    }
  });

  it('maps CSV headers in any order and refuses missing or doubled columns', () => {
    const map = validator.columnMap([
      'power',
      'machine_id',
      'pressure',
      'extra',
      'timestamp',
      'vibration',
      'temperature',
    ]);
    const r = validator.validateCells(1, ['250', 'M1', '45', 'x', '2024-01-15T10:30:00Z', '1.2', '65.5'], map);
    expect(isRowError(r) ? r.message : Array.from(r.values)).toEqual([65.5, 1.2, 45, 250]);
    expect(() => validator.columnMap(['timestamp', 'machine_id', 'temperature', 'vibration', 'pressure'])).toThrow(
      /no "power" column/,
    );
    expect(() => validator.columnMap(['timestamp', 'timestamp'])).toThrow(/twice/);
  });

  it('maps SKAB column names through the schema aliases, with a default machine id', () => {
    const skab = new RowValidator(builtinSchemas.get('skab')!, options);
    const header =
      'datetime;Accelerometer1RMS;Accelerometer2RMS;Current;Pressure;Temperature;Thermocouple;Voltage;Volume Flow RateRMS;anomaly;changepoint'.split(
        ';',
      );
    const map = skab.columnMap(header);
    const r = skab.validateCells(
      1,
      '2020-03-09 10:14:33;0.0265878;0.0401113;1.3302;0.054711;79.3366;26.0199;233.062;32.0;0.0;0.0'.split(';'),
      map,
    );
    expect(isRowError(r)).toBe(false);
    if (!isRowError(r)) expect(r.machineId).toBe('skab-rig');
  });

  it('agrees with the zod schema (HTTP bodies) on generated readings', () => {
    const value = fc.oneof(
      fc.double({ min: -100, max: 12000 }),
      fc.constantFrom(Number.NaN, Infinity, -Infinity, -0, 0, 1e309, -50, 200, 50, 100, 10000),
      fc.string({ maxLength: 4 }),
      fc.constant(null),
    );
    const ts = fc.oneof(
      fc.date({ min: new Date(0), max: new Date(NOW + 86_400_000), noInvalidDate: true }).map((d) => d.toISOString()),
      fc.constantFrom('2024-01-15T10:30:00', '2024-01-15 10:30:00+05:30', 'nope', '2024-02-30', '2999-01-01T00:00:00Z'),
    );
    const reading = fc.record({
      timestamp: ts,
      machine_id: fc.string({ minLength: 0, maxLength: 55 }),
      temperature: value,
      vibration: value,
      pressure: value,
      power: value,
    });
    fc.assert(
      fc.property(reading, (r) => {
        const fast = !isRowError(validator.validateObject(1, r));
        const slow = zodReading.safeParse(r).success;
        expect(fast).toBe(slow);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('schema files', () => {
  it('accepts a custom schema and names the problem of a bad one', () => {
    const s = parseSchema({ name: 'pump', features: [{ name: 'flow', unit: 'L/min', min: 0, max: 500 }] }, 'pump.json');
    expect(s.features[0]!.name).toBe('flow');
    expect(() =>
      parseSchema({ name: 'pump', features: [{ name: 'flow', unit: 'x', min: 5, max: 1 }] }, 'bad.json'),
    ).toThrow(/bad\.json is invalid at features\.0: min must be below max/);
  });
});

describe('confidence', () => {
  it('lies in [0, 1], is 0 at the threshold and never divides by zero', () => {
    expect(confidence(0.5, 0.5)).toBe(0);
    expect(confidence(1, 0.5)).toBe(0.5);
    expect(confidence(0.25, 0.5)).toBe(0.5);
    expect(confidence(0, 0)).toBe(0);
    expect(confidence(1, 0)).toBe(1);
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1e6, noNaN: true }),
        fc.double({ min: 0, max: 1e6, noNaN: true }),
        (s, t) => {
          const c = confidence(s, t);
          expect(c >= 0 && c <= 1).toBe(true);
        },
      ),
    );
  });
});

it('VERSION matches package.json', () => {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  expect(VERSION).toBe(pkg.version);
});
