import { describe, expect, it } from 'vitest';
import { ImindError } from '../../src/errors.js';
import { readAll, readError, readingObject } from './io-test-helpers.js';

const line = (id: string, t = 65.5): string => JSON.stringify(readingObject(id, t));

describe('NDJSON reading', () => {
  it.each([0, 1, 5])(
    'reads lines, skips blank ones and counts broken ones as row errors (chunks of %i)',
    async (size) => {
      const text = `${line('A')}\n\n  \r\n${line('B')}\r\n{"timestamp": oops\n42\n${line('C')}`;
      const { readings, errors } = await readAll(text, { chunkSize: size });
      expect(readings.map((r) => [r.row, r.machineId])).toEqual([
        [1, 'A'],
        [2, 'B'],
        [5, 'C'],
      ]);
      expect(errors.map((e) => e.row)).toEqual([3, 4]);
      expect(errors[0]!.message).toMatch(/^not valid JSON: /);
      expect(errors[1]!.message).toBe('row is a number, expected an object');
    },
  );

  it('reads with format "ndjson" given, and counts every line once', async () => {
    const lines = Array.from({ length: 5000 }, (_, i) => (i % 7 === 3 ? '{broken' : line(`M${i}`, i % 300)));
    const { readings, errors } = await readAll(lines.join('\n'), { format: 'ndjson', chunkSize: 4096, batchSize: 128 });
    expect(readings.length + errors.length).toBe(5000);
    const rows = [...readings.map((r) => r.row), ...errors.map((e) => e.row)].sort((a, b) => a - b);
    expect(rows).toEqual(Array.from({ length: 5000 }, (_, i) => i + 1));
  });

  it('skips an over-long line as a row error without stopping', async () => {
    const long = JSON.stringify({ ...readingObject('X'), pad: 'p'.repeat(1000) });
    for (const size of [0, 1, 64]) {
      const { readings, errors } = await readAll(`${line('A')}\n${long}\n${line('B')}\n${long}`, {
        maxRecordBytes: 300,
        chunkSize: size,
      });
      expect(readings.map((r) => r.row)).toEqual([1, 3]);
      expect(errors.map((e) => [e.row, e.message])).toEqual([
        [2, 'line is longer than 300 characters; skipped'],
        [4, 'line is longer than 300 characters; skipped'],
      ]);
    }
  });

  it('rejects empty input and a pretty-printed single object', async () => {
    expect((await readError('\n\n', { format: 'ndjson' })).message).toBe('input is empty');
    const pretty = JSON.stringify(readingObject('A'), null, 2);
    const error = await readError(pretty);
    expect(error).toBeInstanceOf(ImindError);
    expect(error.message).toMatch(/looks like one JSON object over several lines/);
  });
});

describe('JSON array reading', () => {
  const tricky = [
    readingObject('brace } and ] and , inside'),
    readingObject('quote " and backslash \\'),
    readingObject('ends with backslash \\\\'),
    readingObject('unicode \u00e9 \u20ac 😀 \\u'),
    { ...readingObject('nested'), extra: { a: [1, { b: '"]}' }] } },
  ];

  it.each([0, 1, 2, 3, 7])(
    'streams elements with chunk boundaries inside strings and escapes (chunks of %i)',
    async (size) => {
      const text = ` \n[\n${tricky.map((o) => JSON.stringify(o, null, size % 2 === 0 ? 0 : 1)).join(' ,\n')}\n]\n `;
      const { readings, errors } = await readAll(text, { chunkSize: size });
      expect(errors).toEqual([]);
      expect(readings.map((r) => r.machineId)).toEqual(tricky.map((o) => o.machine_id));
      expect(readings.map((r) => r.row)).toEqual([1, 2, 3, 4, 5]);
    },
  );

  it('counts elements that do not parse, scalars and empty elements as row errors', async () => {
    const text = `[${line('A')},{"bad": },7,,${line('B')},]`;
    for (const size of [0, 1]) {
      const { readings, errors } = await readAll(text, { format: 'json', chunkSize: size });
      expect(readings.map((r) => [r.row, r.machineId])).toEqual([
        [1, 'A'],
        [5, 'B'],
      ]);
      expect(errors.map((e) => e.row)).toEqual([2, 3, 4]);
      expect(errors[0]!.message).toMatch(/^not valid JSON: /);
      expect(errors[1]!.message).toBe('row is a number, expected an object');
      expect(errors[2]!.message).toBe('not valid JSON: empty element (two commas in a row)');
    }
  });

  it('rejects elements nested deeper than 64 levels, accepts 64', async () => {
    const nest = (depth: number): string => '['.repeat(depth - 1) + ']'.repeat(depth - 1);
    const ok = `{"timestamp":"2024-01-15T10:30:00Z","machine_id":"A","temperature":1,"vibration":1,"pressure":1,"power":1,"x":${nest(64)}}`;
    const deep = ok.replace(nest(64), nest(65));
    const { readings, errors } = await readAll(`[${ok},${deep}]`, { chunkSize: 3 });
    expect(readings.map((r) => r.row)).toEqual([1]);
    expect(errors).toEqual([{ row: 2, field: null, message: 'element nests deeper than 64 levels' }]);
  });

  it('skips over-long elements as row errors', async () => {
    const long = JSON.stringify({ ...readingObject('X'), pad: 'p'.repeat(1000) });
    for (const size of [0, 1, 50]) {
      const { readings, errors } = await readAll(`[${line('A')},${long},${line('B')}]`, {
        maxRecordBytes: 300,
        chunkSize: size,
      });
      expect(readings.map((r) => r.row)).toEqual([1, 3]);
      expect(errors).toEqual([{ row: 2, field: null, message: 'element is longer than 300 characters; skipped' }]);
    }
  });

  const cases: [string, string, RegExp][] = [
    ['an object given as JSON', `{"a": 1}`, /^the JSON document is not an array$/],
    ['an empty array', '[ ]', /^input has no data rows \(the JSON array is empty\)$/],
    ['a truncated array', `[${line('A')},${line('B')}`.slice(0, -5), /not closed: the input ends inside row 2$/],
    ['an array without its end', `[${line('A')},`, /not closed: the input ends after row 1$/],
    ['text after the array', `[${line('A')}] [`, /unexpected text after the end of the JSON array \(after row 1\)/],
    ['empty input', '  ', /^input is empty$/],
  ];
  it.each(cases)('rejects %s', async (_name, input, message) => {
    for (const size of [0, 1]) {
      const error = await readError(input, { format: 'json', chunkSize: size });
      expect(error).toBeInstanceOf(ImindError);
      expect(error.code).toBe('input_malformed');
      expect(error.message).toMatch(message);
    }
  });

  it('sniffs the format from the first character after a BOM and blank space', async () => {
    const json = await readAll(`\uFEFF \n [${line('A')}]`);
    const ndjson = await readAll(`\uFEFF\n\n${line('B')}\n`);
    expect(json.readings.map((r) => r.machineId)).toEqual(['A']);
    expect(ndjson.readings.map((r) => r.machineId)).toEqual(['B']);
  });
});
