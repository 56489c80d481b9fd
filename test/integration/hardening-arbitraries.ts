import fc from 'fast-check';
import type { FeatureSchema } from '../../src/schema/feature-schema.js';

/**
 * fast-check arbitraries for readings, built from a feature schema (the one
 * the API and the file readers validate with): values inside and around each
 * range, every ISO-8601 timestamp form in any zone, unicode text with control
 * characters and lone surrogates, and odd values of every JSON type. Shared
 * by the server's and the file readers' property tests.
 */

const pad = (n: number, w = 2) => String(Math.abs(n)).padStart(w, '0');

/** A timestamp in one of the ISO-8601 forms the docs name, in any zone (or none: UTC), up to `maxMs`. */
export function timestampArb(maxMs: number): fc.Arbitrary<string> {
  return fc
    .record({
      ms: fc.integer({ min: Date.parse('1990-01-01T00:00:00Z'), max: maxMs }),
      zoneMinutes: fc.oneof(
        fc.constant(0),
        fc.integer({ min: -12 * 4, max: 14 * 4 }).map((q) => q * 15),
        fc.integer({ min: -720, max: 840 }),
      ),
      form: fc.constantFrom('Z', 'z', 'offset', 'compact-offset', 'naive', 'space', 'date', 'basic', 'no-seconds'),
      fraction: fc.constantFrom('', '.5', '.25', '.123', '.123456', '.123456789'),
    })
    .map(({ ms, zoneMinutes, form, fraction }) => {
      const local = new Date(ms + zoneMinutes * 60_000);
      const date = `${local.getUTCFullYear()}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}`;
      const time = `${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}`;
      const sign = zoneMinutes < 0 ? '-' : '+';
      const offset = `${sign}${pad(Math.trunc(zoneMinutes / 60))}:${pad(zoneMinutes % 60)}`;
      switch (form) {
        case 'Z':
          return `${date}T${time}${fraction}Z`;
        case 'z':
          return `${date}t${time}${fraction}z`;
        case 'offset':
          return `${date}T${time}${fraction}${offset}`;
        case 'compact-offset':
          return `${date}T${time}${fraction}${offset.replace(':', '')}`;
        case 'naive':
          return `${date}T${time}${fraction}`;
        case 'space':
          return `${date} ${time}${fraction}`;
        case 'date':
          return date;
        case 'basic':
          return `${date.replaceAll('-', '')}T${time.replaceAll(':', '')}Z`;
        default:
          return `${date}T${time.slice(0, 5)}Z`;
      }
    });
}

/** Unicode text, with control characters and lone surrogates mixed in sometimes. */
export const textArb = fc.oneof(
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 50 }),
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.constantFrom(
    '\ud800',
    'M\udfff1',
    'M\u0000',
    'M\n1',
    'M\u007f',
    'M\u200b',
    '🏭-7',
    'Ω'.repeat(50),
    'Ω'.repeat(51),
    '',
  ),
);

/** The odd values every field gets tried with. */
export const oddValue = fc.oneof(
  fc.constantFrom(null, true, false, '', '12', 'NaN', [], {}, [1], { value: 1 }, -0, 5e-324, -5e-324, 1e308, -1e308),
  fc.double(),
  fc.integer(),
  textArb,
  fc.jsonValue({ maxDepth: 3 }),
);

/** A reading built from the schema: each feature inside or around its range, then maybe bent, a field dropped or added. */
export function readingArb(schema: FeatureSchema, maxMs: number): fc.Arbitrary<Record<string, unknown>> {
  const numbers: Record<string, fc.Arbitrary<unknown>> = {};
  for (const f of schema.features) {
    const span = f.max - f.min;
    numbers[f.name] = fc.oneof(
      { weight: 6, arbitrary: fc.double({ min: f.min, max: f.max, noNaN: true }) },
      { weight: 1, arbitrary: fc.constantFrom(f.min, f.max, -0, 0, f.min - span * 1e-9, f.max + 1) },
      { weight: 1, arbitrary: oddValue },
    );
  }
  return fc
    .record({
      timestamp: fc.oneof({ weight: 5, arbitrary: timestampArb(maxMs) }, { weight: 1, arbitrary: oddValue }),
      machine_id: fc.oneof({ weight: 3, arbitrary: textArb }, { weight: 1, arbitrary: oddValue }),
      ...numbers,
      extra: fc.option(fc.tuple(fc.stringMatching(/^[a-z_]{1,12}$/), oddValue), { nil: undefined, freq: 8 }),
      drop: fc.option(fc.constantFrom('timestamp', 'machine_id', ...schema.features.map((f) => f.name)), {
        nil: undefined,
        freq: 8,
      }),
    })
    .map(({ extra, drop, ...body }) => {
      const out: Record<string, unknown> = { ...body };
      if (drop) delete out[drop];
      if (extra) out[extra[0]] = extra[1];
      return out;
    });
}

/** Numbers JSON cannot carry, put back into the text as bare tokens, or as 1e309 and friends. */
export const RAW_NUMBERS = [
  'NaN',
  'Infinity',
  '-Infinity',
  '1e309',
  '-1e309',
  '-0',
  '1e-400',
  '0.0000000000000000000000001',
];

/** Replaces the JSON number of `field` in `text` with `token`. */
export function withRawNumber(text: string, field: string, token: string): string {
  return text.replace(new RegExp(`("${field}":)(-?[0-9.eE+-]+)`), `$1${token}`);
}
