import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ByteBuilder } from '../../src/io/byte-builder.js';
import { TimestampBytes, putBytes, putFloat32, putMicros, putUint } from '../../src/io/byte-format.js';
import { decimal6Text, float32Text, microsText, roundShares, toMicros } from '../../src/io/number-format.js';
import { Utf8Input } from '../../src/io/utf8-input.js';
import { parsePlainDecimal } from '../../src/schema/decimal-span.js';
import { ReadingColumns } from '../../src/schema/reading-columns.js';
import { isRowError } from '../../src/schema/row-validator.js';
import { TimestampSpanParser, parseTimestamp } from '../../src/schema/timestamp.js';
import { HEADER, chunked, makeValidator, readAll } from './io-test-helpers.js';

/**
 * The hot-path shortcuts (reading numbers and timestamps in place, ASCII input,
 * byte output, bounded-precision numbers) against the general code they stand
 * in for.
 */

/** The shortest of toPrecision(1..9) that reads back as the same float32: the definition float32Text follows. */
function shortestFloat32(v: number): string {
  for (let k = 1; k <= 9; k++) {
    const s = v.toPrecision(k);
    if (Math.fround(Number(s)) === v) return String(Number(s));
  }
  throw new Error(`no 9-digit form for ${v}`);
}

const DECIMAL = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$/;

describe('parsePlainDecimal', () => {
  const numberText = fc.oneof(
    fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
    fc.double({ min: -1e6, max: 1e6, noNaN: true }).map((x) => x.toFixed(3)),
    fc.string({ unit: fc.constantFrom('0', '1', '9', '.', '-', '+', 'e', ' ', 'x'), maxLength: 20 }),
    fc.stringMatching(/^[+-]?\d{0,17}\.?\d{0,17}$/),
  );

  it('is Number(text) bit for bit, or NaN for what it leaves to the general path', () => {
    fc.assert(
      fc.property(numberText, fc.string({ maxLength: 3 }), (text, around) => {
        const line = `${around}${text}${around}`;
        const got = parsePlainDecimal(line, around.length, around.length + text.length);
        if (Number.isNaN(got)) return;
        expect(DECIMAL.test(text)).toBe(true);
        expect(Object.is(got, Number(text))).toBe(true);
      }),
      { numRuns: 5000 },
    );
  });

  it('reads the plain forms of data files', () => {
    const at = (text: string): number => parsePlainDecimal(text, 0, text.length);
    expect([at('65.5'), at('-3'), at('+4'), at('.5'), at('7.'), at('0.1'), at('123456789012345')]).toEqual([
      65.5, -3, 4, 0.5, 7, 0.1, 123456789012345,
    ]);
    expect(Object.is(at('-0'), -0)).toBe(true);
    for (const other of ['', '-', '.', '1e3', ' 1', '1 ', '1.2.3', '1234567890123456', 'x'])
      expect(at(other)).toBeNaN();
  });
});

describe('TimestampSpanParser', () => {
  const date = fc.record({
    y: fc.integer({ min: 0, max: 9999 }),
    mo: fc.integer({ min: 0, max: 13 }),
    d: fc.integer({ min: 0, max: 32 }),
    h: fc.integer({ min: 0, max: 25 }),
    mi: fc.integer({ min: 0, max: 60 }),
    s: fc.integer({ min: 0, max: 61 }),
  });
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
  const timestampText = fc.oneof(
    fc
      .tuple(
        date,
        fc.constantFrom('T', 't', ' ', '_'),
        fc.constantFrom('', '.5', ',25', '.123', '.123456789', '.1234567890', '.'),
        fc.constantFrom('', 'Z', 'z', '+01:00', '-0530', ' Z', 'ZZ'),
      )
      .map(
        ([t, sep, fraction, zone]) =>
          `${pad(t.y, 4)}-${pad(t.mo)}-${pad(t.d)}${sep}${pad(t.h)}:${pad(t.mi)}:${pad(t.s)}${fraction}${zone}`,
      ),
    fc.constantFrom(
      '2024-01-15',
      '20240115T103000Z',
      ' 2024-01-15T10:30:00Z ',
      '2024-01-15T10:30Z',
      'nope',
      '2024-02-29T00:00:00Z',
      '2023-02-29T00:00:00Z',
    ),
    fc.string({ maxLength: 30 }),
  );

  it('equals parseTimestamp(text.trim()) for any sequence of timestamps (the day memo included)', () => {
    fc.assert(
      fc.property(
        fc
          .array(timestampText, { minLength: 1, maxLength: 12 })
          .chain((texts) => fc.shuffledSubarray([...texts, ...texts], { minLength: texts.length })),
        (texts) => {
          const parser = new TimestampSpanParser();
          const strings = new TimestampSpanParser();
          for (const text of texts) {
            const line = `x,${text},y`;
            expect(parser.parse(line, 2, 2 + text.length)).toBe(parseTimestamp(text.trim()));
            expect(strings.parseString(text)).toBe(parseTimestamp(text.trim()));
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('validateSpans', () => {
  it('agrees with validateCells on every CSV line, however the cells look', () => {
    const cell = fc.oneof(
      fc.constantFrom('65.5', '1.2', '45', '0', ' 3 ', '1e1', '', ' ', '-1', '1e400', '250.0', 'x', '10001', '.5'),
      fc.constantFrom(
        '2024-01-15T10:30:00Z',
        '2024-01-15 10:30:00.5',
        '2099-01-01T00:00:00Z',
        '2024-13-01T00:00:00Z',
        '20240115T103000Z',
      ),
      fc.constantFrom('MACHINE_001', 'MACHINE_002', 'M\u0001', 'x'.repeat(51), 'é'),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(cell, cell, cell, cell, cell, cell), { minLength: 1, maxLength: 20 }), (rows) => {
        const spans = makeValidator();
        const cells = makeValidator();
        const map = spans.columnMap(HEADER.split(','));
        const out = new ReadingColumns(4, 100);
        rows.forEach((row, i) => {
          const line = row.join(',');
          const bounds = new Int32Array(12);
          let start = 0;
          row.forEach((c, k) => {
            bounds[2 * k] = start;
            bounds[2 * k + 1] = start + c.length;
            start += c.length + 1;
          });
          const before = out.count;
          const error = spans.validateSpans(i + 1, line, bounds, map, out);
          const expected = cells.validateCells(i + 1, row, map);
          if (isRowError(expected)) {
            expect(error).toEqual(expected);
            expect(out.count).toBe(before);
          } else {
            expect(error).toBeNull();
            expect(out.toReadings()[before]).toEqual(expected);
          }
        });
      }),
      { numRuns: 500 },
    );
  });
});

describe('Utf8Input', () => {
  it('decodes ASCII chunks on the fast path and others strictly, dropping only a leading BOM', () => {
    const bytes = Buffer.from('\uFEFFab\nc\u00e9\u20ac\uFEFFd\n', 'utf8');
    for (let size = 1; size <= bytes.length; size++) {
      const input = new Utf8Input();
      let text = '';
      for (const chunk of chunked(bytes, size)) text += input.decode(chunk).text;
      text += input.end().text;
      expect(text).toBe('ab\nc\u00e9\u20ac\uFEFFd\n');
    }
    // A U+FEFF after an ASCII start is text, not a BOM, when the decoder starts there.
    const later = new Utf8Input();
    expect(later.decode(Buffer.from('ab')).text + later.decode(Buffer.from('\uFEFFc')).text).toBe('ab\uFEFFc');
  });

  it('still stops at invalid bytes after ASCII chunks', async () => {
    const text = Buffer.concat([Buffer.from(`${HEADER}\n`), Buffer.from([0xff]), Buffer.from('\n')]);
    await expect(readAll(text)).rejects.toThrow(/not valid UTF-8 \(in row 1\)/);
  });
});

describe('number formatting', () => {
  const float32 = fc
    .integer({ min: 0, max: 0x7f7fffff })
    .map((bits) => new Float32Array(new Uint32Array([bits]).buffer)[0]!);

  it('writes a float32 as its shortest round-trip decimal', () => {
    fc.assert(
      fc.property(float32, (v) => {
        const text = float32Text(v);
        expect(Math.fround(Number(text))).toBe(v);
        if (v >= 1e-6 && v < 1e15) expect(text).toBe(shortestFloat32(v));
      }),
      { numRuns: 20000 },
    );
    expect([0, 0.5, 1, 10, 1e10, Math.fround(0.1), Math.fround(9.99999)].map(float32Text)).toEqual([
      '0',
      '0.5',
      '1',
      '10',
      '10000000000',
      '0.1',
      '9.99999',
    ]);
    expect(float32Text(0.1 + 1 / 7)).toBe(String(0.1 + 1 / 7)); // not a float32: full precision
  });

  it('writes shares exactly as toFixed(6)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.double({ min: 0, max: 1, noNaN: true }),
          fc.integer({ min: 0, max: 2_000_000 }).map((i) => i / 2e6),
        ),
        (x) => {
          expect(decimal6Text(x)).toBe(x.toFixed(6));
          const micros = toMicros(x);
          if (micros >= 0) expect(microsText(micros)).toBe(x.toFixed(6));
        },
      ),
      { numRuns: 20000 },
    );
    expect([decimal6Text(-0.5), decimal6Text(2e9)]).toEqual(['-0.500000', '2000000000.000000']);
  });

  it('rounds a row of shares to millionths that sum to exactly one million', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 12 }),
        (weights) => {
          const total = weights.reduce((a, b) => a + b, 0);
          const shares = weights.map((w) => (total > 0 ? w / total : 0));
          const out = new Float64Array(shares.length);
          expect(roundShares(shares, 0, shares.length, out)).toBe(true);
          const sum = out.reduce((a, b) => a + b, 0);
          expect(sum).toBe(total > 0 ? 1e6 : 0);
          out.forEach((m, i) => expect(Math.abs(m - shares[i]! * 1e6)).toBeLessThan(1));
        },
      ),
      { numRuns: 3000 },
    );
    const thirds = new Float64Array(3);
    roundShares([1 / 3, 1 / 3, 1 / 3], 0, 3, thirds);
    expect([...thirds].sort()).toEqual([333333, 333333, 333334]);
    expect(roundShares([0.5, Number.NaN], 0, 2, new Float64Array(2))).toBe(false);
  });

  it('writes bytes: integers, millionths, float32s, timestamps and UTF-8 pieces, growing as needed', () => {
    const out = new ByteBuilder(4);
    const expected: string[] = [];
    const put = (bound: number, write: (b: Uint8Array, at: number) => number, text: string): void => {
      out.reserve(bound);
      out.length = write(out.buffer, out.length);
      expected.push(text);
    };
    for (const n of [0, 7, 10, 99, 12345, 2 ** 31 - 1, 2 ** 40]) put(16, (b, at) => putUint(b, at, n), String(n));
    for (const m of [0, 527, 500000, 1e6, 12345678]) put(23, (b, at) => putMicros(b, at, m), microsText(m));
    for (const v of [0.5, 2e-6, 123.25, 1e14, 0.0527667, 9.99999].map(Math.fround))
      put(24, (b, at) => putFloat32(b, at, v), float32Text(v));
    const timestamps = new TimestampBytes();
    for (const t of [0, 1705276800123, 1705276800123, 1705276801000, -1, 8.64e15, 1.5])
      put(27, (b, at) => timestamps.put(b, at, t), new Date(t).toISOString());
    put(11, (b, at) => putBytes(b, at, Buffer.from('Müller😀')), 'Müller😀');
    out.text(',end');
    expected.push(',end');
    expect(out.take().toString('utf8')).toBe(expected.join(''));
    expect(out.take().length).toBe(0);
  });
});

describe('CSV reading on the fast path', () => {
  it('reads quoted fields, embedded newlines, CRLF and a BOM in any chunking, as on the slow path', async () => {
    const text =
      `\uFEFF${HEADER}\r\n` +
      `2024-01-15T10:30:00Z,MACHINE_001,65.5,1.2,45.0,250.0\r\n` +
      `"2024-01-15T10:30:01Z","MACHINE ""7""",65.5,1.2,45.0,250.0\r\n` +
      `2024-01-15T10:30:02Z,"two\nlines",65.5,1.2,45.0,250.0\r\n` +
      `2024-01-15T10:30:03Z,MACHINE_001, 65.5 ,1.2,4.5e1,250\r\n`;
    const expected = await readAll(text);
    expect(expected.readings.map((r) => [r.row, r.machineId])).toEqual([
      [1, 'MACHINE_001'],
      [2, 'MACHINE "7"'],
      [4, 'MACHINE_001'],
    ]);
    // The quoted newline is read as part of the field (and machine ids may not hold one).
    expect(expected.errors).toEqual([
      { row: 3, field: 'machine_id', message: 'machine_id must not contain control characters' },
    ]);
    expect(expected.readings[2]!.values).toEqual(Float64Array.from([65.5, 1.2, 45, 250]));
    for (const size of [1, 2, 3, 7, 64]) {
      const got = await readAll(chunked(text, size));
      expect([got.readings, got.errors]).toEqual([expected.readings, expected.errors]);
    }
  });
});
