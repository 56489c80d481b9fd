import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Prediction } from '../../src/model/prediction.js';
import { createPredictionWriter, outputFormatFromPath, type OutputFormat } from '../../src/io/prediction-writer.js';
import { MemorySink } from '../../src/io/sinks.js';
import { TimestampFormatter, csvField, significant4 } from '../../src/io/text-format.js';

const FEATURES = ['temperature', 'vibration', 'pressure', 'power'];

function prediction(row: number, overrides: Partial<Prediction> = {}): Prediction {
  return {
    row,
    timestamp: Date.UTC(2024, 0, 15, 10, 30, 0) + row * 1001,
    machineId: `MACHINE_${row}`,
    isAnomaly: row % 3 === 0,
    score: 0.1 + row / 7,
    threshold: 0.2,
    confidence: 1 / (row + 3),
    contributions: Float64Array.from([0.1, 0.2, 0.3, 0.4].map((c) => c + row * 1e-17)),
    ...overrides,
  };
}

const batchA = [
  prediction(1, { machineId: 'M,1 "quoted"' }),
  prediction(2, { machineId: 'Müller' }),
  prediction(3, { score: 1e-7 }),
];
const batchB = [prediction(5, { score: 123456789.123456, contributions: Float64Array.from([0, 0, 0, 0]) })];

async function render(format: OutputFormat, batches: Prediction[][]): Promise<MemorySink> {
  const sink = new MemorySink();
  const writer = createPredictionWriter(format, sink, FEATURES);
  for (const batch of batches) await writer.write(batch);
  await writer.close();
  return sink;
}

/** Confidence and contributions are written with 6 decimals (number-format.ts). */
const round6 = (x: number): number => Number(x.toFixed(6));

/** The object every JSON format must hold for a prediction, in key order. */
function expectedObject(p: Prediction): unknown {
  return {
    row: p.row,
    timestamp: new Date(p.timestamp).toISOString(),
    machine_id: p.machineId,
    is_anomaly: p.isAnomaly,
    anomaly_score: p.score,
    threshold: p.threshold,
    confidence: round6(p.confidence),
    contributions: Object.fromEntries(FEATURES.map((f, i) => [f, round6(p.contributions[i]!)])),
  };
}

describe('prediction writers', () => {
  it('writes CSV that parses back to the same values (score and threshold exact, shares to 6 decimals)', async () => {
    const sink = await render('csv', [batchA, batchB]);
    expect(sink.writes).toBe(2); // one write per batch
    const [header, ...rows] = parse(sink.text()) as string[][];
    expect(header).toEqual([
      'row',
      'timestamp',
      'machine_id',
      'is_anomaly',
      'anomaly_score',
      'threshold',
      'confidence',
      ...FEATURES.map((f) => `contrib_${f}`),
    ]);
    const all = [...batchA, ...batchB];
    expect(rows).toHaveLength(all.length);
    rows.forEach((cells, i) => {
      const p = all[i]!;
      expect(cells.slice(0, 4)).toEqual([
        String(p.row),
        new Date(p.timestamp).toISOString(),
        p.machineId,
        String(p.isAnomaly),
      ]);
      expect(cells.slice(4).map(Number)).toEqual([
        p.score,
        p.threshold,
        round6(p.confidence),
        ...[...p.contributions].map(round6),
      ]);
    });
  });

  it('writes only the CSV header when there are no predictions', async () => {
    const sink = await render('csv', []);
    expect(sink.text()).toBe(
      'row,timestamp,machine_id,is_anomaly,anomaly_score,threshold,confidence,contrib_temperature,contrib_vibration,contrib_pressure,contrib_power\n',
    );
  });

  it('writes NDJSON objects with the fields in order', async () => {
    const sink = await render('ndjson', [batchA, [], batchB]);
    const lines = sink.text().split('\n');
    expect(lines.pop()).toBe('');
    const objects = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(objects).toEqual([...batchA, ...batchB].map(expectedObject));
    expect(Object.keys(objects[0]!)).toEqual(Object.keys(expectedObject(batchA[0]!) as object));
  });

  it('streams one JSON array over several writes, [] when empty', async () => {
    const sink = await render('json', [batchA, batchB]);
    expect(sink.text().startsWith('[\n{"row":1,')).toBe(true);
    expect(JSON.parse(sink.text())).toEqual([...batchA, ...batchB].map(expectedObject));
    expect((await render('json', [])).text()).toBe('[]\n');
    expect(JSON.parse((await render('json', [[], []])).text())).toEqual([]);
  });

  it('writes null for non-finite numbers so that JSON stays valid', async () => {
    const sink = await render('ndjson', [[prediction(1, { score: Number.NaN, confidence: Infinity })]]);
    const object = JSON.parse(sink.text()) as Record<string, unknown>;
    expect([object.anomaly_score, object.confidence]).toEqual([null, null]);
  });

  it('renders a table with 4 significant digits and the top sensor', async () => {
    const text = (await render('table', [batchA, batchB])).text();
    for (const heading of [
      'row',
      'timestamp',
      'machine',
      'anomaly',
      'score',
      'threshold',
      'confidence',
      'top sensor',
    ]) {
      expect(text).toContain(heading);
    }
    expect(text).toContain('power (40.0%)');
    expect(text).toContain('0.2429'); // 0.1 + 1/7 to 4 digits
    expect(text).toContain('123500000');
    expect(text).toMatch(/│\s+5 │.*│ no\s+│.*│ -\s+│/);
    expect(text).toMatch(/│\s+3 │.*│ yes\s+│/);
    expect(text).not.toContain('more rows');
    expect(text).not.toMatch(/\u001b\[/); // no colours
  });

  it('shows at most 200 rows in the table and counts the rest', async () => {
    const many = Array.from({ length: 450 }, (_, i) => prediction(i + 1));
    const sink = await render('table', [many.slice(0, 150), many.slice(150, 300), many.slice(300)]);
    const text = sink.text();
    expect(text).toContain('│ 200 ');
    expect(text).not.toContain('│ 201 ');
    expect(text.trimEnd().split('\n').pop()).toBe('… 250 more rows (use --output FILE for all)');
  });

  it.each([
    ['out.csv', 'csv'],
    ['out.NDJSON', 'ndjson'],
    ['out.jsonl', 'ndjson'],
    ['a/b.json', 'json'],
    ['out.txt', null],
  ])('outputFormatFromPath(%s) is %s', (path, format) => {
    expect(outputFormatFromPath(path)).toBe(format);
  });
});

describe('text formatting', () => {
  it('formats timestamps exactly like toISOString', () => {
    const formatter = new TimestampFormatter();
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.integer({ min: -62198755200000, max: 253402300799999 }),
            fc.integer({ min: 1.7e12, max: 1.7e12 + 4e8 }),
          ),
          {
            minLength: 1,
            maxLength: 50,
          },
        ),
        (times) => {
          for (const t of times) expect(formatter.format(t)).toBe(new Date(t).toISOString());
        },
      ),
    );
    for (const t of [0, -1, 86_399_999, 86_400_000, 1.5, 8.64e15])
      expect(formatter.format(t)).toBe(new Date(t).toISOString());
  });

  it('quotes CSV fields only when needed', () => {
    expect(csvField('MACHINE_001')).toBe('MACHINE_001');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
  });

  it('rounds to 4 significant digits', () => {
    expect([0.012345678, 1234.5678, 0.2, 0, 1e21 + 5, Number.NaN].map(significant4)).toEqual([
      '0.01235',
      '1235',
      '0.2',
      '0',
      '1e+21',
      'NaN',
    ]);
  });
});
