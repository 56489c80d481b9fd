import { rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Model } from '../../src/model/model.js';
import type { Reading } from '../../src/schema/reading.js';
import { parseTimestamp } from '../../src/schema/timestamp.js';
import {
  errorSchema,
  healthSchema,
  predictionSchema,
  readySchema,
  serviceInfoSchema,
  batchPredictionSchema,
} from '../../src/server/api-schemas.js';
import { buildApp, type App } from '../../src/server/app.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { ERROR_CASES } from './server-error-cases.js';
import { SEED_EXAMPLE, assertCleanBody, fitTestModel, reading, viaHttp } from './server-fixtures.js';

let dir: string;
let model: Model;
let app: App;
let server: RunningServer;
let base: string;

beforeAll(async () => {
  const fitted = await fitTestModel();
  dir = fitted.dir;
  model = await Model.load(fitted.path);
  app = buildApp({ model: Model.load(fitted.path) });
  server = await startServer(app, { host: '127.0.0.1', port: 0 });
  base = server.url;
  await app.state.settled;
});
afterAll(async () => {
  await server.shutdown();
  await model.dispose();
  await rm(dir, { recursive: true, force: true });
});

const toReading = (r: Record<string, unknown>, row = 1): Reading => ({
  row,
  timestamp: parseTimestamp(String(r.timestamp)),
  machineId: String(r.machine_id),
  values: Float64Array.from([r.temperature, r.vibration, r.pressure, r.power] as number[]),
});

/** Python's datetime.utcnow().isoformat(): naive, microseconds, no Z. */
const pythonUtcNow = () => `${new Date().toISOString().slice(0, 23)}456`;

describe("the seed's client code, against a real server on a free port", () => {
  for (const [label, timestamp] of [
    ['new Date().toISOString()', () => new Date().toISOString()],
    ['Python datetime.utcnow().isoformat() (naive, microseconds)', pythonUtcNow],
  ] as const) {
    it(`works unchanged with ${label}`, async () => {
      const body = {
        timestamp: timestamp(),
        machine_id: 'MACHINE_001',
        temperature: 85.0,
        vibration: 2.5,
        pressure: 45.0,
        power: 250.0,
      };
      const response = await fetch(`${base}/predict`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(response.status).toBe(200);
      const result = (await response.json()) as Record<string, number | boolean>;
      const printed = [
        `Anomaly: ${result.is_anomaly}`,
        `Score: ${(result.anomaly_score as number).toFixed(4)}`,
        `Confidence: ${(result.confidence as number).toFixed(2)}`,
      ];
      expect(printed[0]).toBe('Anomaly: true'); // 85 °C is far above the training data (~65 °C)
      expect(printed[1]).toMatch(/^Score: \d+\.\d{4}$/);
      expect(result.confidence).toBeGreaterThan(0);
      expect(result.confidence).toBeLessThanOrEqual(1);
    });
  }

  it("accepts the seed's own example timestamp (…Z) and answers in UTC", async () => {
    const res = await viaHttp(base, { method: 'POST', url: '/predict', body: SEED_EXAMPLE });
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({
      is_anomaly: false,
      machine_id: 'MACHINE_001',
      timestamp: '2024-01-15T10:30:00.000Z',
    });
  });

  it('accepts every ISO-8601 form, with or without offset (naive = UTC)', async () => {
    const forms: [string, string][] = [
      ['2024-01-15T12:30:00+02:00', '2024-01-15T10:30:00.000Z'],
      ['2024-01-15T05:00:00-0530', '2024-01-15T10:30:00.000Z'],
      ['2024-01-15T10:30:00', '2024-01-15T10:30:00.000Z'],
      ['2024-01-15 10:30:00.250', '2024-01-15T10:30:00.250Z'],
      ['2024-01-15T10:30:00.123456', '2024-01-15T10:30:00.123Z'],
      ['2024-01-15', '2024-01-15T00:00:00.000Z'],
      ['20240115T103000Z', '2024-01-15T10:30:00.000Z'],
      ['2024-01-15T10:30Z', '2024-01-15T10:30:00.000Z'],
    ];
    for (const [sent, expected] of forms) {
      const res = await viaHttp(base, { method: 'POST', url: '/predict', body: reading({ timestamp: sent }) });
      expect(res.status, sent).toBe(200);
      expect(res.json().timestamp, sent).toBe(expected);
    }
  });

  it('allows a timestamp within the clock-skew allowance, rejects one beyond it (configurable)', async () => {
    const soon = new Date(Date.now() + 60_000).toISOString();
    expect((await viaHttp(base, { method: 'POST', url: '/predict', body: reading({ timestamp: soon }) })).status).toBe(
      200,
    );
    const strict = buildApp({ model, settings: { clockSkewMs: 0, now: () => Date.parse('2024-01-15T10:30:00Z') } });
    const s = await startServer(strict, { host: '127.0.0.1', port: 0 });
    try {
      await strict.state.settled;
      expect((await viaHttp(s.url, { method: 'POST', url: '/predict', body: SEED_EXAMPLE })).status).toBe(200);
      const ahead = await viaHttp(s.url, {
        method: 'POST',
        url: '/predict',
        body: reading({ timestamp: '2024-01-15T10:30:01Z' }),
      });
      expect(ahead.status).toBe(422);
      expect(ahead.json().issues).toEqual([
        { path: 'timestamp', message: 'lies in the future (more than 0 s ahead of this clock)' },
      ]);
    } finally {
      // The strict app shares the test's model: stop the server without disposing it.
      await new Promise((r) => s.server.close(r));
    }
  });
});

describe('routes and fields (real server)', () => {
  it('GET / names the service, version and docs', async () => {
    const res = await viaHttp(base, { url: '/' });
    const info = serviceInfoSchema.parse(res.json());
    expect(info).toMatchObject({
      service: 'IndustrialMind Anomaly Detection',
      docs: '/docs',
      model_version: model.version,
    });
  });

  it('GET /health and GET /ready report the loaded model', async () => {
    const health = healthSchema.parse((await viaHttp(base, { url: '/health' })).json());
    expect(health).toMatchObject({ status: 'healthy', model_loaded: true, model_version: model.version });
    expect(health.uptime_seconds).toBeGreaterThan(0);
    const ready = await viaHttp(base, { url: '/ready' });
    expect(ready.status).toBe(200);
    expect(readySchema.parse(ready.json()).model_version).toBe(model.version);
  });

  it('POST /predict returns the seed AnomalyPrediction fields plus contributions, scored by Model.predict', async () => {
    const sent = reading({ temperature: 80, vibration: 3 });
    const res = await viaHttp(base, { method: 'POST', url: '/predict', body: sent });
    expect(res.status).toBe(200);
    const body = predictionSchema(model.schema).parse(res.json());
    expect(Object.keys(res.json())).toEqual([
      'is_anomaly',
      'anomaly_score',
      'threshold',
      'confidence',
      'timestamp',
      'machine_id',
      'contributions',
    ]);
    const [expected] = await model.predict([toReading(sent)]);
    expect(body.anomaly_score).toBe(expected!.score);
    expect(body.threshold).toBe(model.threshold);
    expect(body.confidence).toBe(expected!.confidence);
    expect(body.is_anomaly).toBe(expected!.isAnomaly);
    expect(Object.keys(body.contributions)).toEqual(['temperature', 'vibration', 'pressure', 'power']);
    expect(Object.values(body.contributions).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
  });

  it('POST /predict/batch keeps the order of 1000 readings and scores them like Model.predict', async () => {
    const readings = Array.from({ length: 1000 }, (_, i) =>
      reading({ temperature: 40 + (i % 97) * 0.5, machine_id: `M${i}` }),
    );
    const res = await viaHttp(base, { method: 'POST', url: '/predict/batch', body: { readings } });
    expect(res.status).toBe(200);
    const body = batchPredictionSchema(predictionSchema(model.schema)).parse(res.json());
    expect(body.batch_size).toBe(1000);
    expect(body.inference_time_ms).toBeGreaterThanOrEqual(0);
    expect(body.predictions.map((p) => p.machine_id)).toEqual(readings.map((r) => r.machine_id));
    const expected = await model.predict(readings.map((r, i) => toReading(r, i + 1)));
    expect(body.predictions.map((p) => p.anomaly_score)).toEqual(expected.map((p) => p.score));
  });

  it('answers concurrent single requests (micro-batched when they meet) each with its own result', async () => {
    const sent = Array.from({ length: 32 }, (_, i) => reading({ temperature: 50 + i, machine_id: `C${i}` }));
    const replies = await Promise.all(sent.map((body) => viaHttp(base, { method: 'POST', url: '/predict', body })));
    const expected = await model.predict(sent.map((r) => toReading(r)));
    expect(replies.map((r) => r.json().anomaly_score)).toEqual(expected.map((p) => p.score));
    expect(replies.map((r) => r.json().machine_id)).toEqual(sent.map((r) => r.machine_id));
  });

  it('puts nosniff, no-store and the request id on API responses, and no CORS headers', async () => {
    const res = await viaHttp(base, {
      method: 'POST',
      url: '/predict',
      headers: { origin: 'https://evil.example', 'x-request-id': 'trace-42' },
      body: SEED_EXAMPLE,
    });
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['x-request-id']).toBe('trace-42');
    expect(Object.keys(res.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
  });
});

describe('error responses (real server)', () => {
  for (const c of ERROR_CASES) {
    it(`${c.name} → ${c.status} ${c.code}`, async () => {
      const res = await viaHttp(base, c.req);
      expect(res.status).toBe(c.status);
      const body = errorSchema.parse(res.json());
      expect(body.error).toBe(c.code);
      expect(res.headers['x-request-id']).toBe(body.request_id);
      if (c.allow !== undefined) expect(res.headers.allow).toBe(c.allow);
      if (c.path !== undefined) expect(body.issues?.map((i) => i.path)).toContain(c.path);
      assertCleanBody(res.text);
    });
  }

  it('refuses a 2 MiB body with 413 in the JSON error shape', async () => {
    const huge = JSON.stringify({
      readings: Array.from({ length: 1000 }, () => reading({ machine_id: 'M'.repeat(2000) })),
    });
    expect(huge.length).toBeGreaterThan(1024 * 1024);
    const res = await viaHttp(base, {
      method: 'POST',
      url: '/predict/batch',
      headers: { 'content-type': 'application/json' },
      body: huge,
    });
    expect(res.status).toBe(413);
    expect(errorSchema.parse(res.json()).error).toBe('payload_too_large');
  });

  it('answers a request that is not HTTP with 400 in the JSON error shape', async () => {
    const text = await new Promise<string>((resolve, reject) => {
      const socket = connect(server.port, '127.0.0.1', () => socket.write('HELLO\r\n\r\n'));
      let out = '';
      socket.on('data', (c: Buffer) => (out += c.toString('utf8')));
      socket.on('end', () => resolve(out));
      socket.on('error', reject);
    });
    expect(text).toMatch(/^HTTP\/1\.1 400 /);
    const body = errorSchema.parse(JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)));
    expect(body.error).toBe('bad_request');
  });
});

describe('docs generated from the same zod schemas (real server)', () => {
  it('GET /openapi.json describes every route and the reading with its ranges', async () => {
    const res = await viaHttp(base, { url: '/openapi.json' });
    expect(res.status).toBe(200);
    const doc = res.json() as {
      openapi: string;
      paths: Record<string, object>;
      components: { schemas: Record<string, Record<string, unknown>> };
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/',
      '/health',
      '/machines',
      '/machines/{machine_id}',
      '/machines/{machine_id}/baseline',
      '/predict',
      '/predict/batch',
      '/ready',
    ]);
    const sensor = doc.components.schemas.SensorReading!;
    expect(sensor.additionalProperties).toBe(false);
    expect(sensor.required).toEqual(['timestamp', 'machine_id', 'temperature', 'vibration', 'pressure', 'power']);
    expect((sensor.properties as Record<string, Record<string, number>>).pressure).toMatchObject({
      minimum: 0,
      maximum: 100,
    });
    expect(sensor.example).toEqual(SEED_EXAMPLE);
    const batch = doc.components.schemas.BatchSensorReadings!;
    expect((batch.properties as Record<string, Record<string, unknown>>).readings).toMatchObject({
      minItems: 1,
      maxItems: 1000,
      items: { $ref: '#/components/schemas/SensorReading' },
    });
    expect(Object.keys(doc.components.schemas)).toEqual(
      expect.arrayContaining([
        'AnomalyPrediction',
        'BatchAnomalyPredictions',
        'HealthResponse',
        'ReadyResponse',
        'ErrorResponse',
        'ServiceInfo',
      ]),
    );
  });

  it('GET /docs serves Swagger UI on /openapi.json, with its files', async () => {
    const page = await viaHttp(base, { url: '/docs' });
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.text).toContain('swagger-ui-bundle.js');
    expect(page.text).toContain('/redoc'); // the offline fallback
    const init = await viaHttp(base, { url: '/docs/swagger-initializer.js' });
    expect(init.text).toContain("url: '/openapi.json'");
    const bundle = await viaHttp(base, { url: '/docs/swagger-ui-bundle.js' });
    // Served locally when a package provides Swagger UI's files (else the page uses a CDN).
    expect([200, 404]).toContain(bundle.status);
    if (bundle.status === 200) expect(page.headers['content-security-policy']).toContain("script-src 'self';");
  });

  it('GET /redoc renders a static, script-free reference of every route and schema', async () => {
    const page = await viaHttp(base, { url: '/redoc' });
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    expect(page.text).not.toContain('<script');
    for (const text of [
      '/predict/batch',
      'SensorReading',
      'AnomalyPrediction',
      'readings',
      'no other fields',
      'Temperature in Celsius',
    ])
      expect(page.text).toContain(text);
  });
});
