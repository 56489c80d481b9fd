import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Reading, RowError } from '../../src/schema/reading.js';
import { isRowError } from '../../src/schema/row-validator.js';
import { chunked, makeValidator, readAll } from './io-test-helpers.js';

/**
 * A plain RFC 4180 reader, character by character over the whole text, to check
 * the streaming parser against: quoted fields with "" escapes, CR before LF
 * dropped, blank (or blank-space) lines skipped.
 */
function referenceParse(input: string, delimiter: string): string[][] {
  const text = input.startsWith('\uFEFF') ? input.slice(1) : input;
  const records: string[][] = [];
  let cells: string[] = [];
  let field = '';
  let quoted = false; // the current field was quoted
  let inQuotes = false;
  let any = false; // the current record has any character
  const endField = (): void => {
    cells.push(field);
    field = '';
    quoted = false;
  };
  const endRecord = (): void => {
    if (!quoted && field.endsWith('\r')) field = field.slice(0, -1);
    endField();
    const blank = cells.length === 1 && !cells[0]!.trim() && !any;
    if (!blank) records.push(cells);
    cells = [];
    any = false;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inQuotes) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') inQuotes = false;
      else field += c;
    } else if (c === '"' && field === '' && !quoted) {
      inQuotes = true;
      quoted = true;
      any = true;
    } else if (c === delimiter) {
      any = true;
      endField();
    } else if (c === '\n') {
      endRecord();
    } else if (c === '\r' && quoted) {
      // CR after a closing quote is dropped (CRLF line ends)
    } else {
      field += c;
    }
  }
  if (field !== '' || cells.length > 0 || quoted) endRecord();
  return records;
}

const COLUMNS = ['timestamp', 'machine_id', 'temperature', 'vibration', 'pressure', 'power'];

const junk = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.string({
      unit: fc.constantFrom('a', 'b', ' ', ',', ';', '"', '\n', '\r\n', 'é', '1', '.'),
      maxLength: 8,
    }),
  },
  { weight: 1, arbitrary: fc.constantFrom('', 'x', 'nan', '1e400', '"', '""', ' 7 ') },
);

/** Mostly a valid value for the column (so that later fields get checked too), sometimes junk. */
const cellFor = (column: string): fc.Arbitrary<string> => {
  const valid =
    column === 'timestamp'
      ? fc.constantFrom('2024-01-15T10:30:00Z', '2024-01-15 10:30:00', '20240115T103000Z')
      : column === 'machine_id'
        ? fc.string({
            unit: fc.constantFrom(...Array.from('MACHINE_01 é😀'), ...Array.from('MACHINE_01'), ',', ';', '"'),
            minLength: 1,
            maxLength: 12,
          })
        : fc.constantFrom('65.5', '1.2', '45', '0', ' 3 ', '1e1');
  return fc.oneof({ weight: 5, arbitrary: valid }, { weight: 1, arbitrary: junk });
};

const rowArbitrary = (order: string[]) =>
  fc.record({
    cells: fc.oneof(
      { weight: 8, arbitrary: fc.tuple(...order.map(cellFor)) },
      { weight: 1, arbitrary: fc.array(junk, { minLength: 5, maxLength: 7 }) },
    ),
    // Mostly unquoted, so that whole rows take the parser's fast path too.
    quote: fc.array(fc.constantFrom(false, false, false, false, false, false, false, true), {
      minLength: 7,
      maxLength: 7,
    }),
    blankBefore: fc.constantFrom('', '', '', '\n', '  \n'),
  });

const fileArbitrary = fc
  .shuffledSubarray(COLUMNS, { minLength: COLUMNS.length, maxLength: COLUMNS.length })
  .chain((order) =>
    fc.record({
      delimiter: fc.constantFrom(',', ';'),
      order: fc.constant(order),
      rows: fc.array(rowArbitrary(order), { minLength: 1, maxLength: 30 }),
      crlf: fc.boolean(),
      bom: fc.boolean(),
      trailingNewline: fc.boolean(),
      chunkSize: fc.integer({ min: 1, max: 40 }),
      batchSize: fc.integer({ min: 1, max: 8 }),
    }),
  );

function encode(cell: string, delimiter: string, forceQuote: boolean): string {
  const needs = cell.includes(delimiter) || cell.includes('"') || cell.includes('\n') || cell.includes('\r');
  return needs || forceQuote ? `"${cell.replaceAll('"', '""')}"` : cell;
}

describe('CSV reading against a reference parser', () => {
  it('accounts for every row, in order, as the reference parse + validator would', async () => {
    let valid = 0;
    let total = 0;
    await fc.assert(
      fc.asyncProperty(fileArbitrary, async (file) => {
        const eol = file.crlf ? '\r\n' : '\n';
        const d = file.delimiter;
        const lines = [file.order.join(d)];
        for (const r of file.rows) {
          if (r.blankBefore) lines.push(r.blankBefore.replace('\n', ''));
          lines.push(r.cells.map((c, i) => encode(c, d, r.quote[i]!)).join(d));
        }
        let text = (file.bom ? '\uFEFF' : '') + lines.join(eol);
        if (file.trailingNewline) text += eol;

        const validator = makeValidator();
        const [header, ...records] = referenceParse(text, d);
        const map = validator.columnMap(header!);
        const expected: (Reading | RowError)[] = records.map((cells, i) =>
          cells.length !== header!.length
            ? { row: i + 1, field: null, message: `row has ${cells.length} fields, the header has ${header!.length}` }
            : validator.validateCells(i + 1, cells, map),
        );

        if (expected.length === 0) return; // header only: a whole-file error, tested elsewhere
        valid += expected.filter((r) => !isRowError(r)).length;
        total += expected.length;
        const got = await readAll(chunked(text, file.chunkSize), { batchSize: file.batchSize });
        const all = [...got.readings, ...got.errors].sort((a, b) => a.row - b.row);
        expect(all.map(normalize)).toEqual(expected.map(normalize));
        for (const batch of got.batches) expect(batch.readings.length).toBeLessThanOrEqual(file.batchSize);
      }),
      { numRuns: 300 },
    );
    // The generator must make enough valid rows for the later fields (machine_id) to be checked at all.
    expect(valid / total).toBeGreaterThan(0.2);
  });
});

function normalize(result: Reading | RowError): unknown {
  return isRowError(result) ? result : { ...result, values: Array.from(result.values) };
}

const stringWithEscapes = fc.string({
  unit: fc.constantFrom('a', '"', '\\', '\\\\', ']', '}', ',', '[', '{', '\n', 'é', '😀', '\u0001'),
  maxLength: 10,
});
const readingLike = fc.record({
  timestamp: fc.constantFrom('2024-01-15T10:30:00Z', 'nope'),
  machine_id: stringWithEscapes,
  temperature: fc.double({ min: -60, max: 210, noNaN: true }),
  vibration: fc.constantFrom(0, 1.5, 49.9),
  pressure: fc.constantFrom(0, 45),
  power: fc.constantFrom(250, 1e4),
  extra: fc.jsonValue({ maxDepth: 3 }),
});

describe('JSON array reading against JSON.parse', () => {
  it('finds the same elements as JSON.parse of the whole document, whatever the chunking', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof({ weight: 4, arbitrary: readingLike }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) }),
          {
            minLength: 1,
            maxLength: 12,
          },
        ),
        fc.constantFrom(0, 1, 2),
        fc.integer({ min: 1, max: 50 }),
        async (elements, indent, chunkSize) => {
          const text = JSON.stringify(elements, null, indent);
          const validator = makeValidator();
          const expected = (JSON.parse(text) as unknown[]).map((v, i) => validator.validateObject(i + 1, v));
          const got = await readAll(chunked(text, chunkSize), { format: 'json', batchSize: 3 });
          const all = [...got.readings, ...got.errors].sort((a, b) => a.row - b.row);
          expect(all.map(normalize)).toEqual(expected.map(normalize));
        },
      ),
      { numRuns: 200 },
    );
  });
});
