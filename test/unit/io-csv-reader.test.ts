import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ImindError } from '../../src/errors.js';
import { formatFromPath } from '../../src/io/read-readings.js';
import { HEADER, ROW, TS, readAll, readError, row } from './io-test-helpers.js';

const CHUNK_SIZES = [0, 1, 2, 3, 7, 64];

describe('CSV reading', () => {
  it('reads readings with row numbers, timestamps, ids and values in schema order', async () => {
    const { readings, errors } = await readAll(`${HEADER}\n${row('A', 10)}\n${row('B', 20)}\n`);
    expect(errors).toEqual([]);
    expect(readings.map((r) => [r.row, r.timestamp, r.machineId, Array.from(r.values)])).toEqual([
      [1, TS, 'A', [10, 1.2, 45, 250]],
      [2, TS, 'B', [20, 1.2, 45, 250]],
    ]);
  });

  it('takes the columns in any order and ignores extra columns', async () => {
    const text =
      'power,extra,vibration,machine_id,pressure,timestamp,temperature\n250,x,1.2,M9,45,2024-01-15T10:30:00Z,65.5\n';
    const { readings, errors } = await readAll(text);
    expect(errors).toEqual([]);
    expect(readings[0]!.machineId).toBe('M9');
    expect(Array.from(readings[0]!.values)).toEqual([65.5, 1.2, 45, 250]);
  });

  it.each(CHUNK_SIZES)(
    'handles quotes, "" escapes, delimiters and newlines in quoted fields (chunks of %i)',
    async (size) => {
      const text =
        `${HEADER}\n` +
        '2024-01-15T10:30:00Z,"M,1","65.5",1.2,45.0,250.0\n' +
        '2024-01-15T10:30:00Z,"say ""hi""",1,1.2,45.0,250.0\n' +
        '2024-01-15T10:30:00Z,"line\nbreak",2,1.2,45.0,250.0\n' +
        `${row('LAST', 3)}\n`;
      const { readings, errors } = await readAll(text, { chunkSize: size });
      expect(readings.map((r) => [r.row, r.machineId])).toEqual([
        [1, 'M,1'],
        [2, 'say "hi"'],
        [4, 'LAST'],
      ]);
      // The record with an embedded newline is one row (3), rejected for its control character.
      expect(errors).toEqual([
        { row: 3, field: 'machine_id', message: 'machine_id must not contain control characters' },
      ]);
    },
  );

  it.each(CHUNK_SIZES)(
    'reads CRLF, a BOM, blank lines and a last line without a newline (chunks of %i)',
    async (size) => {
      const text = `\uFEFF${HEADER}\r\n\r\n${row('A')}\r\n   \r\n\r\n${row('B')}\r\n"${'C'}",1,2,3,4,5\r\n${row('D')}`;
      const { readings, errors } = await readAll(text, { chunkSize: size });
      expect(readings.map((r) => [r.row, r.machineId])).toEqual([
        [1, 'A'],
        [2, 'B'],
        [4, 'D'],
      ]);
      expect(errors).toHaveLength(1);
      expect(errors[0]!.row).toBe(3);
    },
  );

  it('drops the CR of CRLF from the last column (machine_id last)', async () => {
    const text = 'timestamp,temperature,vibration,pressure,power,machine_id\r\n2024-01-15T10:30:00Z,1,1,1,1,M1\r\n';
    const { readings, errors } = await readAll(text);
    expect(errors).toEqual([]);
    expect(readings.map((r) => r.machineId)).toEqual(['M1']);
  });

  it('takes ; (SKAB) and tab as delimiters when the header says so', async () => {
    const semi = await readAll(`${HEADER.replaceAll(',', ';')}\n${row('A').replaceAll(',', ';')}\n`);
    expect(semi.readings.map((r) => r.machineId)).toEqual(['A']);
    const tab = await readAll(`${HEADER.replaceAll(',', '\t')}\n${row('A').replaceAll(',', '\t')}\n`);
    expect(tab.readings.map((r) => r.machineId)).toEqual(['A']);
  });

  it('reports rows whose field count differs from the header, and text after a closing quote', async () => {
    const text = `${HEADER}\n${row('A')},extra\n2024-01-15T10:30:00Z,A\n2024-01-15T10:30:00Z,"A"x,1,1,1,1\n${ROW}\n`;
    const { readings, errors } = await readAll(text);
    expect(readings.map((r) => r.row)).toEqual([4]);
    expect(errors.map((e) => [e.row, e.message])).toEqual([
      [1, 'row has 7 fields, the header has 6'],
      [2, 'row has 2 fields, the header has 6'],
      [3, 'malformed quoting: column 2 has text after its closing quote'],
    ]);
  });

  it('cuts batches of at most batchSize readings and keeps errors with their batch', async () => {
    const lines = [HEADER, row('1'), row('2'), 'bad', row('3'), row('4'), row('5'), 'bad'];
    const { batches } = await readAll(lines.join('\n'), { batchSize: 2 });
    expect(batches.map((b) => [b.readings.map((r) => r.row), b.errors.map((e) => e.row)])).toEqual([
      [[1, 2], []],
      [[4, 5], [3]],
      [[6], [7]],
    ]);
  });

  it('reads from a Node stream, one big buffer, and string chunks', async () => {
    const body = Array.from({ length: 20_000 }, (_, i) => row(`M${i}`)).join('\n');
    const text = `${HEADER}\n${body}\n`;
    const big = await readAll(text, { batchSize: 4096 });
    expect(big.readings).toHaveLength(20_000);
    expect(big.batches.every((b) => b.readings.length <= 4096)).toBe(true);
    const { readBatches } = await import('../../src/io/read-readings.js');
    const { makeValidator } = await import('./io-test-helpers.js');
    let count = 0;
    const stream = Readable.from([text.slice(0, 1000), text.slice(1000)], { objectMode: true });
    for await (const batch of readBatches(stream, { format: 'csv', validator: makeValidator(), batchSize: 500 })) {
      count += batch.readings.length;
    }
    expect(count).toBe(20_000);
  });

  it('turns over-long records into row errors and reads on', async () => {
    const long = `2024-01-15T10:30:00Z,${'x'.repeat(500)},1,1,1,1`;
    const quotedLong = `2024-01-15T10:30:00Z,"${'y\n'.repeat(300)}",1,1,1,1`;
    const text = `${HEADER}\n${row('A')}\n${long}\n${row('B')}\n${quotedLong}\n${row('C')}\n${long}`;
    for (const size of [0, 1, 16, 100]) {
      const { readings, errors } = await readAll(text, { maxRecordBytes: 200, chunkSize: size });
      expect(readings.map((r) => [r.row, r.machineId])).toEqual([
        [1, 'A'],
        [3, 'B'],
        [5, 'C'],
      ]);
      expect(errors.map((e) => [e.row, e.message])).toEqual([
        [2, 'record is longer than 200 characters; skipped'],
        [4, 'record is longer than 200 characters; skipped'],
        [6, 'record is longer than 200 characters; skipped'],
      ]);
    }
  });

  it('skips a huge line without keeping it', async () => {
    async function* source(): AsyncGenerator<Buffer> {
      yield Buffer.from(`${HEADER}\n${row('A')}\n2024-01-15T10:30:00Z,`);
      const block = Buffer.alloc(64 * 1024, 'z');
      for (let i = 0; i < 320; i++) yield block; // 20 MiB in one record
      yield Buffer.from(`,1,1,1,1\n${row('B')}\n`);
    }
    const { readBatches } = await import('../../src/io/read-readings.js');
    const { makeValidator } = await import('./io-test-helpers.js');
    const rows: number[] = [];
    const errors: number[] = [];
    for await (const batch of readBatches(source(), { format: 'auto', validator: makeValidator(), batchSize: 10 })) {
      rows.push(...batch.readings.map((r) => r.row));
      errors.push(...batch.errors.map((e) => e.row));
    }
    expect(rows).toEqual([1, 3]);
    expect(errors).toEqual([2]);
  });
});

describe('CSV whole-file errors', () => {
  const cases: [string, string | Uint8Array, RegExp][] = [
    ['empty input', '', /^input is empty$/],
    ['whitespace only', ' \n\r\n\t\n', /^input is empty$/],
    ['a BOM only', '\uFEFF', /^input is empty$/],
    ['a header only', `${HEADER}\n`, /^input has a header but no data rows$/],
    ['a header and blank lines', `${HEADER}\n\n\n`, /^input has a header but no data rows$/],
    ['a missing column', 'timestamp,machine_id,temperature\nx,y,z\n', /header has no "vibration" column/],
    ['a doubled column', `${HEADER},power\n${ROW},1\n`, /header names column "power" twice/],
    ['NUL bytes in the header', Buffer.from([0x00, 0x01, 0x02, 0x41, 0x0a, 0x42]), /input looks binary/],
    [
      'an unclosed quote',
      `${HEADER}\n${ROW}\n2024-01-15T10:30:00Z,"open,1,1,1,1\n${ROW}\n${ROW}\n`,
      /^row 2: a quoted field opens there and is never closed$/,
    ],
    ['a header longer than the limit', 'x'.repeat(300), /the header line is longer than 200 characters/],
  ];
  it.each(cases)('rejects %s', async (_name, input, message) => {
    for (const size of [0, 1, 5]) {
      const error = await readError(input, { maxRecordBytes: 200, chunkSize: size });
      expect(error).toBeInstanceOf(ImindError);
      expect(error.code).toBe('input_malformed');
      expect(error.message).toMatch(message);
    }
  });

  it.each([0, 1, 3, 17])('names the row of invalid UTF-8 (chunks of %i)', async (size) => {
    const head = Buffer.from(`${HEADER}\n${row('A')}\n${row('B')}\n2024-01-15T10:30:00Z,C`);
    const input = Buffer.concat([head, Buffer.from([0xc3, 0x28]), Buffer.from(`,1,1,1,1\n${row('D')}\n`)]);
    const error = await readError(input, { chunkSize: size });
    expect(error.code).toBe('input_malformed');
    expect(error.message).toBe('input is not valid UTF-8 (in row 3)');
  });

  it('accepts multi-byte UTF-8 split across chunks, and rejects a truncated character at the end', async () => {
    const text = `${HEADER}\n${row('Müller-ß-€-😀')}\n`;
    const { readings } = await readAll(text, { chunkSize: 1 });
    expect(readings[0]!.machineId).toBe('Müller-ß-€-😀');
    const truncated = Buffer.concat([Buffer.from(`${HEADER}\n${row('A')}\n${row('B')}`), Buffer.from([0xe2, 0x82])]);
    expect((await readError(truncated, { chunkSize: 1 })).message).toBe('input is not valid UTF-8 (in row 2)');
    const garbage = Buffer.from([0xff, 0xfe, 0x00, 0x41, 0x80, 0x81]);
    expect((await readError(garbage)).message).toMatch(/not valid UTF-8 \(in the header\)|at its start/);
  });
});

describe('the byte source', () => {
  it('reports a source that fails as input_unreadable', async () => {
    const { readBatches } = await import('../../src/io/read-readings.js');
    const { makeValidator } = await import('./io-test-helpers.js');
    const { createReadStream } = await import('node:fs');
    const stream = createReadStream('/nonexistent/imind-input.csv');
    const error = await (async () => {
      for await (const batch of readBatches(stream, { format: 'auto', validator: makeValidator(), batchSize: 10 })) {
        void batch;
      }
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImindError);
    expect((error as ImindError).code).toBe('input_unreadable');
    expect((error as ImindError).message).toMatch(/^cannot read the input: ENOENT/);
  });

  it('closes the source when the consumer stops early', async () => {
    const { readBatches } = await import('../../src/io/read-readings.js');
    const { makeValidator } = await import('./io-test-helpers.js');
    const text = `${HEADER}\n${Array.from({ length: 1000 }, () => ROW).join('\n')}\n`;
    const stream = Readable.from(chunkedText(text, 100));
    for await (const batch of readBatches(stream, { format: 'csv', validator: makeValidator(), batchSize: 10 })) {
      expect(batch.readings).toHaveLength(10);
      break;
    }
    expect(stream.destroyed).toBe(true);
  });
});

function chunkedText(text: string, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < text.length; i += size) out.push(Buffer.from(text.slice(i, i + size)));
  return out;
}

describe('formatFromPath', () => {
  it.each([
    ['a.csv', 'csv'],
    ['DATA.TSV', 'csv'],
    ['x/y.json', 'json'],
    ['r.ndjson', 'ndjson'],
    ['r.jsonl', 'ndjson'],
    ['r.txt', null],
    ['-', null],
  ])('%s → %s', (path, format) => {
    expect(formatFromPath(path)).toBe(format);
  });
});
