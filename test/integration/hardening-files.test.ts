import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readBatches, type InputFormat } from '../../src/io/read-readings.js';
import type { Reading, RowError } from '../../src/schema/reading.js';
import { builtinSchemas } from '../../src/schema/builtin-schemas.js';
import { readingSchema } from '../../src/schema/reading-schema.js';
import { RowValidator } from '../../src/schema/row-validator.js';
import { parseTimestamp } from '../../src/schema/timestamp.js';
import { defaultValidationOptions } from '../../src/schema/validation-options.js';
import { RAW_NUMBERS, readingArb, withRawNumber } from './hardening-arbitraries.js';

/**
 * Property tests of the file readers (the code `imind predict` runs), with rows
 * generated as for the server: every row ends up once, in order, as a reading
 * or a row error, and for NDJSON a row is a reading exactly when the zod
 * reading schema accepts its object (unknown fields are ignored in files).
 */

const NOW = Date.parse('2025-06-01T00:00:00Z');
const schema = builtinSchemas.get('default')!;
const options = defaultValidationOptions({ now: () => NOW });
const zodReading = readingSchema(schema, options);
/** A surrogate without its pair (UTF-8 cannot carry it: the file holds U+FFFD instead). */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const known = new Set(['timestamp', 'machine_id', ...schema.features.map((f) => f.name)]);

async function read(text: string, format: InputFormat, chunkSize: number) {
  const bytes = Buffer.from(text, 'utf8');
  async function* chunks() {
    for (let i = 0; i < bytes.length; i += chunkSize) yield bytes.subarray(i, i + chunkSize);
  }
  const readings: Reading[] = [];
  const errors: RowError[] = [];
  for await (const batch of readBatches(chunks(), {
    format,
    validator: new RowValidator(schema, options),
    batchSize: 7,
  })) {
    readings.push(...batch.readings);
    errors.push(...batch.errors);
  }
  return { readings, errors };
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function schemaAccepts(line: string): boolean {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return false;
  }
  if (!isObject(value)) return false;
  const known_ = Object.fromEntries(Object.entries(value).filter(([k]) => known.has(k)));
  return zodReading.safeParse(known_).success;
}

/** Every row once, in order: readings and errors together are rows 1..n. */
function expectEveryRowOnce(readings: Reading[], errors: RowError[], n: number): void {
  const rows = [...readings.map((r) => r.row), ...errors.map((e) => e.row)].sort((a, b) => a - b);
  expect(rows).toEqual(Array.from({ length: n }, (_, i) => i + 1));
  for (let i = 1; i < readings.length; i++) expect(readings[i]!.row).toBeGreaterThan(readings[i - 1]!.row);
}

describe('property: NDJSON rows generated from the reading schema', () => {
  it('a row is a reading exactly when the schema accepts it; every row is accounted for', async () => {
    const line = fc
      .tuple(
        readingArb(schema, NOW + 10 * 86_400_000),
        fc.option(fc.tuple(fc.constantFrom(...schema.features.map((f) => f.name)), fc.constantFrom(...RAW_NUMBERS)), {
          freq: 5,
          nil: undefined,
        }),
        fc.option(fc.nat(), { freq: 12, nil: undefined }),
      )
      .map(([body, raw, cut]) => {
        let text = JSON.stringify(body);
        if (raw) text = withRawNumber(text, raw[0], raw[1]);
        // A broken line: cut short somewhere.
        if (cut !== undefined) text = text.slice(0, cut % text.length);
        return { body, text };
      })
      // Blank lines are skipped, not rows; a lone "{" is a whole-file error (a pretty-printed object), tested elsewhere.
      .filter(({ text }) => text.trim() !== '' && text.trim() !== '{');
    await fc.assert(
      fc.asyncProperty(
        fc.array(line, { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 1, max: 300 }),
        async (lines, chunkSize) => {
          const { readings, errors } = await read(`${lines.map((l) => l.text).join('\n')}\n`, 'ndjson', chunkSize);
          expectEveryRowOnce(readings, errors, lines.length);
          const expected = lines.flatMap((l, i) => (schemaAccepts(l.text) ? [i + 1] : []));
          expect(readings.map((r) => r.row)).toEqual(expected);
          for (const r of readings) {
            const body = JSON.parse(lines[r.row - 1]!.text) as Record<string, unknown>;
            expect(r.machineId).toBe(body.machine_id);
            expect(r.timestamp).toBe(parseTimestamp(String(body.timestamp)));
            expect([...r.values]).toEqual(schema.features.map((f) => body[f.name]));
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('property: CSV rows generated from the reading schema', () => {
  const columns = ['timestamp', 'machine_id', ...schema.features.map((f) => f.name), 'note'];
  const cell = (v: unknown): string => {
    if (v === undefined) return '';
    const text = typeof v === 'string' ? v : typeof v === 'number' ? String(v) : JSON.stringify(v);
    return /[",\n\r]/.test(text) || text.trim() !== text ? `"${text.replaceAll('"', '""')}"` : text;
  };

  it('every row is accounted for, in order; rows of plain valid values come back unchanged', async () => {
    const row = readingArb(schema, NOW + 10 * 86_400_000).map((body): Record<string, unknown> => ({
      ...body,
      note: body.note ?? 'x',
    }));
    await fc.assert(
      fc.asyncProperty(
        fc.array(row, { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 1, max: 300 }),
        fc.constantFrom('\n', '\r\n'),
        async (rows, chunkSize, eol) => {
          const text =
            [columns.join(','), ...rows.map((r) => columns.map((c) => cell(r[c])).join(','))].join(eol) + eol;
          const { readings, errors } = await read(text, 'csv', chunkSize);
          expectEveryRowOnce(readings, errors, rows.length);
          for (const [i, r] of rows.entries()) {
            const plain =
              typeof r.timestamp === 'string' &&
              typeof r.machine_id === 'string' &&
              !LONE_SURROGATE.test(r.machine_id) &&
              r.machine_id.trim() === r.machine_id &&
              schema.features.every((f) => typeof r[f.name] === 'number') &&
              zodReading.safeParse(Object.fromEntries(Object.entries(r).filter(([k]) => known.has(k)))).success;
            if (!plain) continue;
            const got = readings.find((x) => x.row === i + 1);
            expect(
              got,
              `row ${i + 1}: ${JSON.stringify(r)} ${JSON.stringify(errors.find((e) => e.row === i + 1))}`,
            ).toBeDefined();
            expect(got!.machineId).toBe(r.machine_id);
            expect(got!.timestamp).toBe(parseTimestamp(r.timestamp as string));
            expect([...got!.values]).toEqual(schema.features.map((f) => (Object.is(r[f.name], -0) ? 0 : r[f.name])));
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
