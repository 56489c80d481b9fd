import { rm } from 'node:fs/promises';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Model } from '../../src/model/model.js';
import { formatTimestamp, parseTimestamp } from '../../src/schema/timestamp.js';
import { errorSchema, predictionSchema } from '../../src/server/api-schemas.js';
import { buildApp, type App } from '../../src/server/app.js';
import type { ScoringService } from '../../src/server/scoring-service.js';
import { assertCleanBody, fitTestModel, reading, viaHttp, viaInject, type Reply } from './server-fixtures.js';
import { assertNoInternals, serveWith, type Served } from './hardening-fixtures.js';
import { RAW_NUMBERS, oddValue, readingArb, timestampArb, withRawNumber } from './hardening-arbitraries.js';

/**
 * Requests generated from the API's own schemas (the feature ranges and the
 * reading's fields), then bent: NaN and infinities, huge, tiny and negative
 * zero numbers, every timestamp form and zone, unicode, control characters and
 * lone surrogates, wrong types, missing and extra fields. The server must
 * answer 2xx or a clear 4xx, never 5xx, and agree with the zod schema the
 * OpenAPI document shows: 200 exactly when the schema accepts the body.
 */

const NOW = Date.parse('2025-06-01T00:00:00Z');
let dir: string;
let model: Model;
let app: App;
let service: ScoringService;

beforeAll(async () => {
  const fitted = await fitTestModel();
  dir = fitted.dir;
  model = await Model.load(fitted.path);
  app = buildApp({ model, settings: { now: () => NOW }, monitoring: false });
  service = await app.state.settled;
});
afterAll(async () => {
  await model.dispose();
  await rm(dir, { recursive: true, force: true });
});

/** The answer must be what the zod schema says: 200 iff it accepts, else a clear 400/422, never 5xx. */
function checkAgainstSchema(
  res: Reply,
  text: string,
  schema: { safeParse: (v: unknown) => { success: boolean } },
): void {
  expect(res.status, res.text).toBeLessThan(500);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    expect(res.status).toBe(400);
    expect(errorSchema.parse(res.json()).error).toBe('malformed_json');
    return;
  }
  const accepted = schema.safeParse(parsed).success;
  expect(res.status, `${text} → ${res.text}`).toBe(accepted ? 200 : 422);
  if (res.status >= 400) {
    errorSchema.parse(res.json());
    assertNoInternals(res.text);
  }
}

describe('property: requests generated from the API schemas (in memory)', () => {
  it('POST /predict: 200 exactly when the schema accepts, a clear 4xx otherwise', async () => {
    const prediction = predictionSchema(model.schema);
    await fc.assert(
      fc.asyncProperty(
        readingArb(model.schema, NOW + 10 * 86_400_000),
        fc.option(
          fc.tuple(fc.constantFrom(...model.schema.features.map((f) => f.name)), fc.constantFrom(...RAW_NUMBERS)),
          {
            freq: 5,
            nil: undefined,
          },
        ),
        async (body, raw) => {
          let text = JSON.stringify(body);
          if (raw) text = withRawNumber(text, raw[0], raw[1]);
          const res = await viaInject(app, {
            method: 'POST',
            url: '/predict',
            headers: { 'content-type': 'application/json' },
            body: text,
          });
          checkAgainstSchema(res, text, service.schemas.reading);
          if (res.status === 200) {
            const p = prediction.parse(res.json());
            expect(p.machine_id).toBe((body as { machine_id: string }).machine_id);
            expect(p.timestamp).toBe(formatTimestamp(parseTimestamp(String(body.timestamp))));
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it('POST /predict/batch: all-or-nothing, as the schema says', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc
            .array(readingArb(model.schema, NOW + 10 * 86_400_000), { minLength: 1, maxLength: 6 })
            .map((readings) => ({ readings })),
          fc.record({ readings: oddValue }),
          fc.record({ readings: fc.array(readingArb(model.schema, NOW), { maxLength: 2 }), other: oddValue }),
          oddValue,
        ),
        async (body) => {
          const text = JSON.stringify(body) ?? 'null';
          const res = await viaInject(app, {
            method: 'POST',
            url: '/predict/batch',
            headers: { 'content-type': 'application/json' },
            body: text,
          });
          checkAgainstSchema(res, text, service.schemas.batchRequest);
          if (res.status === 200)
            expect((res.json().predictions as unknown[]).length).toBe(
              (body as { readings: unknown[] }).readings.length,
            );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('accepts every timestamp form and zone the docs name, answering the same instant in UTC', async () => {
    await fc.assert(
      fc.asyncProperty(
        timestampArb(NOW + 86_400_000).filter((t) => parseTimestamp(t) <= NOW),
        async (timestamp) => {
          const res = await viaInject(app, { method: 'POST', url: '/predict', body: reading({ timestamp }) });
          expect(res.status, `${timestamp}: ${res.text}`).toBe(200);
          expect(Date.parse(res.json().timestamp as string)).toBe(parseTimestamp(timestamp));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('hand-written battery of malformed bodies (real server)', () => {
  let served: Served;
  let bigServed: Served;
  beforeAll(async () => {
    served = await serveWith(model, { settings: { now: () => NOW } });
    bigServed = await serveWith(model, { settings: { now: () => NOW, bodyLimitBytes: 16 * 1024 * 1024 } });
  });
  afterAll(async () => {
    await served.close();
    await bigServed.close();
  });

  const seedText = JSON.stringify(reading());
  const post = (body: string | Buffer, type = 'application/json', url = '/predict', base = served.url) =>
    viaHttp(base, { method: 'POST', url, headers: type ? { 'content-type': type } : {}, body });
  const cases: [string, () => Promise<Reply>, number, string][] = [
    ['bare NaN', () => post(seedText.replace('65.5', 'NaN')), 400, 'malformed_json'],
    ['bare -Infinity', () => post(seedText.replace('250', '-Infinity')), 400, 'malformed_json'],
    ['lower-case nan', () => post(seedText.replace('65.5', 'nan')), 400, 'malformed_json'],
    ['1e309', () => post(seedText.replace('65.5', '1e309')), 422, 'validation_failed'],
    [
      'lone continuation byte',
      () =>
        post(Buffer.concat([Buffer.from(seedText.slice(0, 40)), Buffer.from([0x80]), Buffer.from(seedText.slice(40))])),
      400,
      'malformed_json',
    ],
    [
      'overlong encoding of /',
      () =>
        post(
          Buffer.concat([
            Buffer.from(seedText.slice(0, 40)),
            Buffer.from([0xc0, 0xaf]),
            Buffer.from(seedText.slice(40)),
          ]),
        ),
      400,
      'malformed_json',
    ],
    [
      'UTF-8-encoded surrogate',
      () =>
        post(
          Buffer.concat([
            Buffer.from(seedText.slice(0, 40)),
            Buffer.from([0xed, 0xa0, 0x80]),
            Buffer.from(seedText.slice(40)),
          ]),
        ),
      400,
      'malformed_json',
    ],
    [
      'truncated character at the end',
      () => post(Buffer.concat([Buffer.from(seedText), Buffer.from([0xe2, 0x82])])),
      400,
      'malformed_json',
    ],
    ['text/plain', () => post(seedText, 'text/plain'), 415, 'unsupported_media_type'],
    ['application/xml', () => post('<reading/>', 'application/xml'), 415, 'unsupported_media_type'],
    ['multipart', () => post('--x\r\n\r\n--x--', 'multipart/form-data; boundary=x'), 415, 'unsupported_media_type'],
    [
      'UTF-16 JSON',
      () => post(Buffer.from(seedText, 'utf16le'), 'application/json; charset=utf-16'),
      415,
      'unsupported_media_type',
    ],
    ['no content type', () => post(seedText, ''), 415, 'unsupported_media_type'],
    ['an array for the reading', () => post(`[${seedText}]`), 422, 'validation_failed'],
    [
      'an object for readings',
      () => post(`{"readings":${seedText}}`, undefined, '/predict/batch'),
      422,
      'validation_failed',
    ],
    ['a string for the body', () => post('"reading"'), 422, 'validation_failed'],
    ['null', () => post('null'), 422, 'validation_failed'],
    ['a number', () => post('1e999'), 422, 'validation_failed'],
    ['trailing garbage', () => post(`${seedText} x`), 400, 'malformed_json'],
    ['two documents', () => post(`${seedText}${seedText}`), 400, 'malformed_json'],
    ['single quotes', () => post(seedText.replaceAll('"', "'")), 400, 'malformed_json'],
    ['a comment', () => post(`/* hi */${seedText}`), 400, 'malformed_json'],
    ['a BOM (accepted)', () => post(`\ufeff${seedText}`), 200, ''],
    [
      'duplicate keys, last one out of range',
      () => post(seedText.replace('}', ',"pressure":500}')),
      422,
      'validation_failed',
    ],
    [
      'a 10 MB string (over the body limit)',
      () => post(JSON.stringify(reading({ machine_id: 'M'.repeat(10_000_000) }))),
      413,
      'payload_too_large',
    ],
    [
      'a 10 MB string (under a 16 MiB limit)',
      () => post(JSON.stringify(reading({ machine_id: 'M'.repeat(10_000_000) })), undefined, '/predict', bigServed.url),
      422,
      'validation_failed',
    ],
    [
      'a 10 MB string of escapes',
      () => post(`{"machine_id":"${'\\n'.repeat(5_000_000)}"}`, undefined, '/predict', bigServed.url),
      422,
      'validation_failed',
    ],
    [
      '100,000-deep nesting',
      () => post(`{"temperature":${'['.repeat(100_000)}${']'.repeat(100_000)}}`),
      422,
      'validation_failed',
    ],
    ['100,000-deep objects', () => post(`${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`), 422, 'validation_failed'],
    ['100,000-deep and unterminated', () => post('['.repeat(100_000)), 400, 'malformed_json'],
    [
      '4 MB of nesting (16 MiB limit)',
      () => post('['.repeat(2_000_000) + ']'.repeat(2_000_000), undefined, '/predict/batch', bigServed.url),
      422,
      'validation_failed',
    ],
  ];

  for (const [name, run, status, code] of cases) {
    it(`${name} → ${status}${code ? ` ${code}` : ''}`, async () => {
      const res = await run();
      expect(res.status, res.text.slice(0, 300)).toBe(status);
      if (code) {
        expect(errorSchema.parse(res.json()).error).toBe(code);
        assertCleanBody(res.text);
      }
    });
  }

  it('is still serving after the battery', async () => {
    for (const s of [served, bigServed]) {
      expect((await viaHttp(s.url, { url: '/health' })).json().status).toBe('healthy');
      expect((await post(seedText, undefined, '/predict', s.url)).status).toBe(200);
    }
  });
});
