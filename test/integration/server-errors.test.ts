import { rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Model } from '../../src/model/model.js';
import type { Prediction } from '../../src/model/prediction.js';
import type { Reading } from '../../src/schema/reading.js';
import { errorSchema } from '../../src/server/api-schemas.js';
import { buildApp, type App } from '../../src/server/app.js';
import type { ScoringModel } from '../../src/server/scoring-service.js';
import { ERROR_CASES } from './server-error-cases.js';
import { assertCleanBody, fitTestModel, memoryLogger, reading, viaHttp, viaInject } from './server-fixtures.js';

let dir: string;
let model: Model;
let app: App;

beforeAll(async () => {
  const fitted = await fitTestModel();
  dir = fitted.dir;
  model = await Model.load(fitted.path);
  app = buildApp({ model });
  await app.state.settled;
});
afterAll(async () => {
  await model.dispose();
  await rm(dir, { recursive: true, force: true });
});

/** A model double around the real one whose predict can be made to fail (the self-test uses scoreMatrix). */
function faultyModel(
  base: Model,
  fault: (readings: readonly Reading[], real: Prediction[]) => Prediction[],
): ScoringModel {
  return {
    schema: base.schema,
    version: base.version,
    threshold: base.threshold,
    inputWidth: base.inputWidth,
    stateful: base.stateful,
    scoreMatrix: (input, n) => base.scoreMatrix(input, n),
    dispose: async () => undefined,
    async predict(readings) {
      return fault(readings, await base.predict(readings));
    },
  };
}

describe('error responses (in memory, app.inject)', () => {
  for (const c of ERROR_CASES) {
    it(`${c.name} → ${c.status} ${c.code}`, async () => {
      const res = await viaInject(app, c.req);
      expect(res.status).toBe(c.status);
      const body = errorSchema.parse(res.json());
      expect(body.error).toBe(c.code);
      expect(body.request_id).toBe(res.headers['x-request-id']);
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
      assertCleanBody(res.text);
      if (c.allow !== undefined) expect(res.headers.allow).toBe(c.allow);
      if (c.path !== undefined) {
        expect(body.issues?.map((i) => i.path)).toContain(c.path);
        expect(body.detail).toContain(c.path || 'body');
      }
    });
  }

  it('lists every field at fault in a batch, not only the first', async () => {
    const readings = [
      reading(),
      reading({ temperature: 500 }),
      reading({ machine_id: '' }),
      reading({ vibration: -1, extra: true }),
    ];
    const res = await viaInject(app, { method: 'POST', url: '/predict/batch', body: { readings } });
    expect(res.status).toBe(422);
    const body = errorSchema.parse(res.json());
    expect(body.issues?.map((i) => i.path).sort()).toEqual([
      'readings.1.temperature',
      'readings.2.machine_id',
      'readings.3.extra',
      'readings.3.vibration',
    ]);
    expect(body.detail).toMatch(/and 3 more problems/);
    expect(body.issues?.find((i) => i.path === 'readings.1.temperature')?.message).toBe(
      'is 500, outside the valid range -50..200',
    );
  });

  it('points a batch sent to /predict at /predict/batch', async () => {
    const res = await viaInject(app, { method: 'POST', url: '/predict', body: { readings: [reading()] } });
    expect(res.status).toBe(422);
    expect(res.json().detail).toContain('POST /predict/batch');
  });

  it('says why NaN-like values fail: 1e309 is "not a finite number"', async () => {
    const res = await viaInject(app, {
      method: 'POST',
      url: '/predict',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(reading()).replace('250', '-1e309'),
    });
    expect(res.status).toBe(422);
    expect(res.json().issues).toEqual([{ path: 'power', message: 'is not a finite number' }]);
  });

  it('answers 413 with the JSON error shape above the body limit, and closes the connection', async () => {
    const small = buildApp({ model: faultyModel(model, (_r, real) => real), settings: { bodyLimitBytes: 2048 } });
    await small.state.settled;
    const big = { readings: Array.from({ length: 40 }, () => reading()) };
    const res = await viaInject(small, { method: 'POST', url: '/predict/batch', body: big });
    expect(res.status).toBe(413);
    expect(errorSchema.parse(res.json()).error).toBe('payload_too_large');
    expect(res.headers.connection).toBe('close');
    // Chunked (no Content-Length): the limit still holds while reading.
    const chunked = await viaInject(small, {
      method: 'POST',
      url: '/predict/batch',
      headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      body: JSON.stringify(big),
    });
    expect(chunked.status).toBe(413);
  });

  it('keeps a safe X-Request-ID and replaces an unsafe one, on every response', async () => {
    const kept = await viaInject(app, { url: '/health', headers: { 'x-request-id': 'abc-123_x.y' } });
    expect(kept.headers['x-request-id']).toBe('abc-123_x.y');
    const error = await viaInject(app, { url: '/nope', headers: { 'x-request-id': 'client.id-7' } });
    expect(error.headers['x-request-id']).toBe('client.id-7');
    expect(error.json().request_id).toBe('client.id-7');
    for (const unsafe of ['a b', 'x'.repeat(129), '<script>', 'id\u00e9']) {
      const res = await viaInject(app, { url: '/health', headers: { 'x-request-id': unsafe } });
      expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('answers an unexpected error with a bare 500 and logs it with the request id', async () => {
    const { logger, lines } = memoryLogger();
    const broken = buildApp({
      model: faultyModel(model, () => {
        throw new TypeError('boom in /work/main/src/secret.ts:12:3');
      }),
      logger,
    });
    await broken.state.settled;
    const res = await viaInject(broken, {
      method: 'POST',
      url: '/predict',
      headers: { 'x-request-id': 'req-500' },
      body: reading(),
    });
    expect(res.status).toBe(500);
    expect(res.json()).toEqual({
      error: 'internal',
      detail: 'internal server error (logged with this request id)',
      request_id: 'req-500',
    });
    assertCleanBody(res.text);
    const logged = lines().find((l) => l.request_id === 'req-500');
    expect(logged?.level).toBe(50);
    expect(JSON.stringify(logged)).toContain('boom in');
  });

  it('answers 500 (never NaN in JSON, never null) when the model returns a non-finite score', async () => {
    const { logger, lines } = memoryLogger();
    const nan = buildApp({
      model: faultyModel(model, (_r, real) => real.map((p) => ({ ...p, score: Number.NaN }))),
      logger,
    });
    await nan.state.settled;
    const res = await viaInject(nan, { method: 'POST', url: '/predict/batch', body: { readings: [reading()] } });
    expect(res.status).toBe(500);
    expect(res.text).not.toMatch(/NaN|null/);
    expect(lines().some((l) => l.level === 50 && l.request_id === res.headers['x-request-id'])).toBe(true);
  });

  it('answers HEAD like GET without a body', async () => {
    // Over a real socket: HEAD semantics (no body) are node:http's, which in-memory injection does not model.
    const server = createServer(app.handle);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const res = await viaHttp(`http://127.0.0.1:${port}`, { method: 'HEAD', url: '/health' }).finally(() =>
      server.close(),
    );
    expect(res.status).toBe(200);
    expect(res.text).toBe('');
    expect(Number(res.headers['content-length'])).toBeGreaterThan(0);
  });
});

describe('fuzzing every route (in memory): never a 5xx, always the error shape', () => {
  const anyReading = fc.record(
    {
      timestamp: fc.oneof(
        fc.string(),
        fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
        fc.constant('2024-01-15T10:30:00'),
      ),
      machine_id: fc.oneof(fc.string(), fc.constant('MACHINE_001')),
      temperature: fc.oneof(fc.double(), fc.integer(), fc.jsonValue()),
      vibration: fc.oneof(fc.double({ min: -1, max: 60, noNaN: true }), fc.jsonValue()),
      pressure: fc.double({ min: -10, max: 110, noNaN: true }),
      power: fc.oneof(fc.double({ min: 0, max: 10000, noNaN: true }), fc.string()),
      extra: fc.jsonValue(),
    },
    { requiredKeys: [] },
  );
  const check = async (res: Awaited<ReturnType<typeof viaInject>>) => {
    expect(res.status).toBeLessThan(500);
    if (res.status >= 400) {
      errorSchema.parse(res.json());
      assertCleanBody(res.text);
    }
  };

  it('POST /predict with arbitrary JSON and near-valid readings', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.jsonValue(), anyReading), async (body) => {
        // JSON.stringify turns NaN/Infinity into null: the body is always JSON.
        await check(
          await viaInject(app, {
            method: 'POST',
            url: '/predict',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(body) ?? 'null',
          }),
        );
      }),
      { numRuns: 300 },
    );
  });

  it('POST /predict/batch with arbitrary readings arrays', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.jsonValue(),
          fc.record({ readings: fc.array(fc.oneof(anyReading, fc.jsonValue()), { maxLength: 20 }) }),
        ),
        async (body) => {
          await check(
            await viaInject(app, {
              method: 'POST',
              url: '/predict/batch',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify(body) ?? 'null',
            }),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('arbitrary methods, paths, content types and raw bodies', async () => {
    const paths = fc.oneof(
      fc.constantFrom(
        '/',
        '/health',
        '/ready',
        '/predict',
        '/predict/batch',
        '/openapi.json',
        '/docs',
        '/redoc',
        '/docs/x',
      ),
      fc.webPath(),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'),
        paths,
        fc.constantFrom('application/json', 'text/plain', 'application/json; charset=utf-16', ''),
        fc.string({ unit: 'binary', maxLength: 200 }),
        async (method, url, type, raw) => {
          const headers: Record<string, string> = type ? { 'content-type': type } : {};
          const res = await viaInject(app, {
            method,
            url: url.startsWith('/') ? url : `/${url}`,
            headers,
            body: method === 'GET' || method === 'HEAD' ? undefined : raw,
          });
          expect(res.status).toBeLessThan(500);
          if (res.status >= 400 && method !== 'HEAD') errorSchema.parse(res.json());
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('readiness (in memory)', () => {
  it('is live but not ready while the model loads, then ready', async () => {
    let resolve!: (m: ScoringModel) => void;
    const loading = buildApp({ model: new Promise<ScoringModel>((r) => (resolve = r)) });
    const health = await viaInject(loading, { url: '/health' });
    expect(health.status).toBe(200);
    expect(health.json()).toMatchObject({ status: 'loading', model_loaded: false, model_version: null });
    const ready = await viaInject(loading, { url: '/ready' });
    expect(ready.status).toBe(503);
    expect(ready.json().error).toBe('not_ready');
    expect(ready.headers['retry-after']).toBe('1');
    const predict = await viaInject(loading, { method: 'POST', url: '/predict', body: reading() });
    expect(predict.status).toBe(503);
    expect((await viaInject(loading, { url: '/' })).json().model_version).toBeNull();
    resolve(faultyModel(model, (_r, real) => real));
    await loading.state.settled;
    expect((await viaInject(loading, { url: '/ready' })).status).toBe(200);
    expect((await viaInject(loading, { method: 'POST', url: '/predict', body: reading() })).status).toBe(200);
  });

  it('stays live and not ready when the model fails to load, logging why (not telling the client)', async () => {
    const { logger, lines } = memoryLogger();
    const failed = buildApp({ model: Promise.reject(new Error('model not found: /srv/models/x')), logger });
    await expect(failed.state.settled).rejects.toThrow('model not found');
    expect((await viaInject(failed, { url: '/health' })).json()).toMatchObject({
      status: 'model_unavailable',
      model_loaded: false,
    });
    const ready = await viaInject(failed, { url: '/ready' });
    expect(ready.status).toBe(503);
    assertCleanBody(ready.text);
    expect(lines().some((l) => l.level === 50 && String(l.msg).includes('model not found: /srv/models/x'))).toBe(true);
  });

  it('is not ready when the test score fails', async () => {
    const nan = async () => ({ score: Float32Array.of(Number.NaN), featureErrors: new Float32Array(4) });
    const broken: ScoringModel = { ...faultyModel(model, (_r, real) => real), scoreMatrix: nan };
    const app2 = buildApp({ model: broken });
    await expect(app2.state.settled).rejects.toThrow(/test score/);
    expect((await viaInject(app2, { url: '/ready' })).status).toBe(503);
  });

  it('turns /ready and the scoring routes to 503 once shutting down; /health says so', async () => {
    const closing = buildApp({ model: faultyModel(model, (_r, real) => real) });
    await closing.state.settled;
    closing.beginShutdown();
    const ready = await viaInject(closing, { url: '/ready' });
    expect(ready.status).toBe(503);
    expect(ready.json().error).toBe('shutting_down');
    expect(ready.headers.connection).toBe('close');
    expect((await viaInject(closing, { method: 'POST', url: '/predict', body: reading() })).status).toBe(503);
    expect((await viaInject(closing, { url: '/health' })).json().status).toBe('shutting_down');
  });
});
