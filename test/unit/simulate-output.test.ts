import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { builtinSchemas } from '../../src/schema/builtin-schemas.js';
import { RowValidator, isRowError } from '../../src/schema/row-validator.js';
import { defaultValidationOptions } from '../../src/schema/validation-options.js';
import type { Reading } from '../../src/schema/reading.js';
import {
  FAULT_TYPES,
  formatFromPath,
  parseFaultSpec,
  readingsOfMachine,
  resolveSimulationOptions,
  simulateReadings,
  writeSimulation,
  type SimulationOptions,
} from '../../src/simulate/index.js';
import { formatTimestamp } from '../../src/schema/timestamp.js';
import { TimestampFormatter } from '../../src/simulate/write-simulation.js';
import { simulateText } from './simulate-helpers.js';

const validator = new RowValidator(
  builtinSchemas.get('default')!,
  defaultValidationOptions({ now: () => Date.UTC(2025, 0, 1) }),
);
const allFaults = FAULT_TYPES.map((type, k) => parseFaultSpec(`${type}@${(k % 3) + 1}:${50 + k * 30}+200`));
const busy: Partial<SimulationOptions> = { rows: 3000, machines: 3, seed: 13, labels: true, faults: allFaults };

function validateCsv(text: string): Reading[] {
  const [header, ...lines] = text.trimEnd().split('\n');
  const map = validator.columnMap(header!.split(','));
  return lines.map((line, i) => {
    const result = validator.validateCells(i + 1, line.split(','), map);
    if (isRowError(result)) throw new Error(`row ${result.row}: ${result.message}`);
    return result;
  });
}

function validateObjects(objects: unknown[]): Reading[] {
  return objects.map((object, i) => {
    const result = validator.validateObject(i + 1, object);
    if (isRowError(result)) throw new Error(`row ${result.row}: ${result.message}`);
    return result;
  });
}

describe('writeSimulation formats', () => {
  it('writes CSV whose every row passes the RowValidator', async () => {
    const text = await simulateText(busy, 'csv');
    expect(text.split('\n', 1)[0]).toBe('timestamp,machine_id,temperature,vibration,pressure,power,fault');
    const readings = validateCsv(text);
    expect(readings).toHaveLength(3000);
    const expected = [...simulateReadings(busy)];
    readings.forEach((r, i) => {
      expect(r.timestamp).toBe(expected[i]!.timestamp);
      expect(r.machineId).toBe(expected[i]!.machineId);
      expect(Array.from(r.values)).toEqual(Array.from(expected[i]!.values));
    });
    const labels = text
      .trimEnd()
      .split('\n')
      .slice(1)
      .map((line) => line.split(',')[6]);
    // Faults on one machine may overlap: their names are joined with "+".
    const names = new Set(labels.flatMap((label) => (label === '' ? [] : label!.split('+'))));
    expect(names).toEqual(new Set(FAULT_TYPES));
    expect(labels.filter((label) => label === '').length).toBeGreaterThan(1000);
  });

  it('writes NDJSON and a JSON array with the same readings', async () => {
    const csv = validateCsv(await simulateText(busy, 'csv'));
    const ndjsonText = await simulateText(busy, 'ndjson');
    expect(ndjsonText.endsWith('}\n')).toBe(true);
    const ndjson = ndjsonText
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const jsonText = await simulateText(busy, 'json');
    expect(jsonText.startsWith('[\n{')).toBe(true);
    expect(jsonText.endsWith('}\n]\n')).toBe(true);
    const json = JSON.parse(jsonText) as Record<string, unknown>[];
    expect(json).toEqual(ndjson);
    expect(validateObjects(json)).toEqual(csv);
    expect(Object.keys(json[0]!)).toEqual([
      'timestamp',
      'machine_id',
      'temperature',
      'vibration',
      'pressure',
      'power',
      'fault',
    ]);
    expect(json.filter((o) => o.fault === '').length).toBeGreaterThan(1000);
  });

  it('leaves the label column out without --labels', async () => {
    const text = await simulateText({ rows: 5, faults: [parseFaultSpec('overheating@1:0+5')] }, 'csv');
    expect(text.split('\n')[0]).toBe('timestamp,machine_id,temperature,vibration,pressure,power');
    expect(text.split('\n')[1]!.split(',')).toHaveLength(6);
    const json = JSON.parse(await simulateText({ rows: 5 }, 'json')) as object[];
    expect(Object.keys(json[0]!)).not.toContain('fault');
  });

  it('writes numbers with at most 3 decimals', async () => {
    const text = await simulateText({ rows: 2000, machines: 2 }, 'csv');
    const numbers = text
      .trimEnd()
      .split('\n')
      .slice(1)
      .flatMap((line) => line.split(',').slice(2));
    for (const n of numbers) expect(n).toMatch(/^\d+(\.\d{1,3})?$/);
  });

  it('honours start, interval and machines (one reading per machine per interval)', () => {
    const start = Date.UTC(2023, 5, 1, 12);
    const rows = [...simulateReadings({ rows: 11, machines: 3, intervalMs: 250, start })];
    expect(rows.map((r) => Number(r.machineId.slice(-3)))).toEqual([1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2]);
    expect(rows.map((r) => r.timestamp - start)).toEqual([0, 0, 0, 250, 250, 250, 500, 500, 500, 750, 750]);
    const options = resolveSimulationOptions({ rows: 11, machines: 3 });
    expect([0, 1, 2].map((m) => readingsOfMachine(options, m))).toEqual([4, 4, 3]);
  });

  it('writes canonical UTC timestamps from the default start', async () => {
    const lines = (await simulateText({ rows: 3, intervalMs: 90_000 }, 'csv')).split('\n');
    expect(lines.slice(1, 4).map((l) => l.split(',')[0])).toEqual([
      '2024-01-15T00:00:00.000Z',
      '2024-01-15T00:01:30.000Z',
      '2024-01-15T00:03:00.000Z',
    ]);
  });

  it('numbers machines beyond 999 without breaking the id', () => {
    const rows = [...simulateReadings({ rows: 1001, machines: 1001 })];
    expect(rows.at(-1)!.machineId).toBe('MACHINE_1001');
  });

  it('formats timestamps exactly like formatTimestamp', () => {
    const formatter = new TimestampFormatter();
    const samples = [
      0,
      999,
      1000,
      86_399_999,
      86_400_000,
      Date.UTC(2024, 1, 29, 23, 59, 59, 999),
      Date.UTC(9999, 11, 31, 23, 59, 59, 999),
    ];
    let ms = Date.UTC(2023, 11, 31, 23, 58);
    for (let i = 0; i < 2000; i++) samples.push((ms += 1 + ((i * 7919) % 100_000)));
    for (const sample of samples) expect(formatter.format(sample)).toBe(formatTimestamp(sample));
  });

  it('maps file names to formats', () => {
    expect(formatFromPath('a/b.csv')).toBe('csv');
    expect(formatFromPath('x.NDJSON')).toBe('ndjson');
    expect(formatFromPath('x.jsonl')).toBe('ndjson');
    expect(formatFromPath('x.json')).toBe('json');
    expect(formatFromPath('x.txt')).toBeNull();
    expect(formatFromPath('csv')).toBeNull();
  });
});

describe('writeSimulation streaming', () => {
  it('waits for drain: a slow sink never holds more than a couple of chunks', async () => {
    let maxBuffered = 0;
    let bytes = 0;
    const sink = new Writable({
      highWaterMark: 16 * 1024,
      write(chunk: Buffer, _encoding, callback) {
        bytes += chunk.length;
        setTimeout(callback, 1);
      },
    });
    const original = sink.write.bind(sink);
    sink.write = ((chunk: string) => {
      const ok = original(chunk);
      maxBuffered = Math.max(maxBuffered, sink.writableLength);
      return ok;
    }) as typeof sink.write;
    const rows = await writeSimulation({ rows: 20_000 }, 'csv', sink);
    await new Promise<void>((resolve) => sink.end(resolve));
    expect(rows).toBe(20_000);
    expect(bytes).toBe(Buffer.byteLength(await simulateText({ rows: 20_000 }, 'csv')));
    expect(maxBuffered).toBeLessThan(3 * 64 * 1024);
  });

  it('rejects with the sink error (e.g. EPIPE) and stops generating', async () => {
    let writes = 0;
    const sink = new Writable({
      write(_chunk, _encoding, callback) {
        writes++;
        if (writes === 2) callback(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
        else callback();
      },
    });
    await expect(writeSimulation({ rows: 1_000_000 }, 'csv', sink)).rejects.toMatchObject({ code: 'EPIPE' });
    expect(writes).toBeLessThan(5);
  });

  it('stops when the signal aborts', async () => {
    const controller = new AbortController();
    let writes = 0;
    const sink = new Writable({
      write(_chunk, _encoding, callback) {
        if (++writes === 3) controller.abort(new Error('stop now'));
        callback();
      },
    });
    await expect(writeSimulation({ rows: 1_000_000 }, 'ndjson', sink, controller.signal)).rejects.toThrow('stop now');
    expect(writes).toBeLessThan(6);
  });

  it('rejects when the sink closes early', async () => {
    const sink = new Writable({
      write(_chunk, _encoding, callback) {
        callback();
        sink.destroy();
      },
    });
    await expect(writeSimulation({ rows: 1_000_000 }, 'csv', sink)).rejects.toThrow(/closed|destroyed/);
  });
});

describe('simulation options', () => {
  it.each<[Partial<SimulationOptions>, RegExp]>([
    [{ rows: 0 }, /rows must be a whole number from 1/],
    [{ rows: 1.5 }, /rows/],
    [{ machines: 0 }, /machines/],
    [{ seed: -1 }, /seed/],
    [{ seed: 2 ** 32 }, /seed/],
    [{ intervalMs: 0 }, /interval/],
    [{ start: Number.NaN }, /start/],
    [{ start: Date.UTC(9999, 11, 31), rows: 100_000 }, /after the year 9999/],
    [{ machines: 2, faults: [parseFaultSpec('overheating@3:0+1')] }, /machine 3, but there are only 2/],
    [{ rows: 10, machines: 2, faults: [parseFaultSpec('overheating@2:5+1')] }, /has 5 readings/],
  ])('rejects %j', (options, message) => {
    expect(() => resolveSimulationOptions(options)).toThrow(message);
    try {
      resolveSimulationOptions(options);
    } catch (error) {
      expect(error).toMatchObject({ name: 'ImindError', code: 'usage' });
    }
  });

  it('checks options before the first reading is asked for', () => {
    expect(() => simulateReadings({ rows: -1 })).toThrow(/rows/);
  });
});
