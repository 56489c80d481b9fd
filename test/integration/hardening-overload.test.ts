import { rm } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addKey } from '../../src/keys/key-store.js';
import { readKeyFile } from '../../src/keys/key-file.js';
import { Model } from '../../src/model/model.js';
import { parseTimestamp } from '../../src/schema/timestamp.js';
import { errorSchema } from '../../src/server/api-schemas.js';
import { ApiKeyVerifier } from '../../src/server/auth-keys.js';
import { HttpError } from '../../src/server/http-error.js';
import { MicroBatcher } from '../../src/server/micro-batcher.js';
import { ScoringService } from '../../src/server/scoring-service.js';
import { defaultServerSettings } from '../../src/server/settings.js';
import { TokenBuckets } from '../../src/server/rate-limit-buckets.js';
import { fitTestModel, reading, viaHttp, type Reply } from './server-fixtures.js';
import { HeldModel, serveWith } from './hardening-fixtures.js';

let dir: string;
let model: Model;

beforeAll(async () => {
  const fitted = await fitTestModel();
  dir = fitted.dir;
  model = await Model.load(fitted.path);
});
afterAll(async () => {
  await model.dispose();
  await rm(dir, { recursive: true, force: true });
});

const batch = { readings: [reading(), reading({ temperature: 80 })] };
const until = async (check: () => boolean): Promise<void> => {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(check()).toBe(true);
};

describe('requests in flight (IMIND_MAX_IN_FLIGHT)', () => {
  it('answers the excess 503 with Retry-After at once, keeps health and readiness open, and serves again after', async () => {
    const held = new HeldModel(model);
    const served = await serveWith(held, { hardening: { maxInFlight: 4 } });
    try {
      held.hold();
      const inFlight = Array.from({ length: 4 }, () =>
        viaHttp(served.url, { method: 'POST', url: '/predict/batch', body: batch }),
      );
      await until(() => held.calls === 4);
      expect(served.app.gate.inFlight.inFlight).toBe(4);
      const refused = await Promise.all(
        Array.from({ length: 3 }, () => viaHttp(served.url, { method: 'POST', url: '/predict/batch', body: batch })),
      );
      for (const res of refused) {
        expect(res.status).toBe(503);
        expect(errorSchema.parse(res.json()).error).toBe('overloaded');
        expect(res.headers['retry-after']).toBe('1');
      }
      expect(held.calls).toBe(4); // the refused requests did no work
      // A refused client keeps its keep-alive connection (its small body is read and dropped).
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      const onAgent = (method: string, path: string, body?: string) =>
        new Promise<{ status: number; connection?: string; reused: boolean }>((resolve, reject) => {
          const req = request(
            `${served.url}${path}`,
            { method, agent, headers: body ? { 'content-type': 'application/json' } : {} },
            (res) => {
              res.resume();
              res.on('end', () =>
                resolve({ status: res.statusCode!, connection: res.headers.connection, reused: req.reusedSocket }),
              );
            },
          );
          req.on('error', reject);
          req.end(body);
        });
      const refusedOnAgent = await onAgent('POST', '/predict/batch', JSON.stringify(batch));
      expect(refusedOnAgent).toMatchObject({ status: 503, connection: 'keep-alive' });
      expect(await onAgent('GET', '/health')).toMatchObject({ status: 200, reused: true });
      agent.destroy();
      expect((await viaHttp(served.url, { url: '/health' })).status).toBe(200);
      expect((await viaHttp(served.url, { url: '/ready' })).status).toBe(200);
      held.release();
      for (const res of await Promise.all(inFlight)) expect(res.status).toBe(200);
      await until(() => served.app.gate.inFlight.inFlight === 0);
      expect((await viaHttp(served.url, { method: 'POST', url: '/predict/batch', body: batch })).status).toBe(200);
    } finally {
      held.release();
      await served.close();
    }
  });

  it('frees the slot of a client that goes away', async () => {
    const held = new HeldModel(model);
    const served = await serveWith(held, { hardening: { maxInFlight: 1 } });
    try {
      held.hold();
      const controller = new AbortController();
      const gone = fetch(`${served.url}/predict/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(batch),
        signal: controller.signal,
      }).catch(() => null);
      await until(() => held.calls === 1);
      controller.abort();
      await gone;
      await until(() => served.app.gate.inFlight.inFlight === 0);
      held.release();
      expect((await viaHttp(served.url, { method: 'POST', url: '/predict/batch', body: batch })).status).toBe(200);
    } finally {
      held.release();
      await served.close();
    }
  });
});

describe('rate limit per key (IMIND_RATE_LIMIT)', () => {
  it('answers 429 with Retry-After once a key spent its burst; other keys and health are not affected', async () => {
    const path = join(dir, 'rate-keys.json');
    const a = (await addKey(path, 'a', ['predict'])).key;
    const b = (await addKey(path, 'b', ['predict'])).key;
    const served = await serveWith(model, {
      keys: new ApiKeyVerifier(await readKeyFile(path)),
      hardening: { rateLimitPerSecond: 0.01, rateLimitBurst: 2 },
    });
    const call = (key: string): Promise<Reply> =>
      viaHttp(served.url, { method: 'POST', url: '/predict', headers: { 'x-api-key': key }, body: reading() });
    try {
      expect((await call(a)).status).toBe(200);
      expect((await call(a)).status).toBe(200);
      const limited = await call(a);
      expect(limited.status).toBe(429);
      expect(errorSchema.parse(limited.json()).error).toBe('too_many_requests');
      expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect((await call(b)).status).toBe(200);
      for (let i = 0; i < 5; i++) expect((await viaHttp(served.url, { url: '/health' })).status).toBe(200);
    } finally {
      await served.close();
    }
  });

  it('refills at the configured rate and forgets idle clients (bounded memory)', () => {
    let now = 0;
    const buckets = new TokenBuckets(2, 2, () => now, 100);
    expect(buckets.take('x')).toBe(0);
    expect(buckets.take('x')).toBe(0);
    expect(buckets.take('x')).toBeCloseTo(0.5, 6);
    now += 500;
    expect(buckets.take('x')).toBe(0);
    for (let i = 0; i < 1000; i++) {
      now += 1;
      buckets.take(`client-${i}`);
    }
    expect(buckets.clients).toBeLessThanOrEqual(100);
  });

  it('limits by client address when the server runs open', async () => {
    const served = await serveWith(model, { hardening: { rateLimitPerSecond: 0.01, rateLimitBurst: 1 } });
    try {
      expect((await viaHttp(served.url, { method: 'POST', url: '/predict', body: reading() })).status).toBe(200);
      expect((await viaHttp(served.url, { method: 'POST', url: '/predict', body: reading() })).status).toBe(429);
    } finally {
      await served.close();
    }
  });
});

describe('request deadline (IMIND_REQUEST_DEADLINE_MS)', () => {
  it('answers 504 when the deadline passes and frees the slot; the late result is dropped', async () => {
    const held = new HeldModel(model);
    const served = await serveWith(held, { hardening: { requestDeadlineMs: 150, maxInFlight: 2 } });
    try {
      held.hold();
      const res = await viaHttp(served.url, { method: 'POST', url: '/predict/batch', body: batch });
      expect(res.status).toBe(504);
      expect(errorSchema.parse(res.json()).error).toBe('deadline_exceeded');
      await until(() => served.app.gate.inFlight.inFlight === 0);
      held.release();
      expect((await viaHttp(served.url, { method: 'POST', url: '/predict/batch', body: batch })).status).toBe(200);
    } finally {
      held.release();
      await served.close();
    }
  });

  it('skips the scoring of readings whose deadline passed while they waited in the micro-batcher', async () => {
    const scored: number[] = [];
    const batcher = new MicroBatcher(async (readings) => {
      scored.push(readings.length);
      return model.predict(readings);
    }, 256);
    const r = (machineId: string) => ({
      row: 1,
      timestamp: parseTimestamp('2024-01-15T10:30:00Z'),
      machineId,
      values: Float64Array.of(65.5, 1.2, 45, 250),
    });
    const late = batcher.submit(r('late'), performance.now() + 5);
    const fresh = batcher.submit(r('fresh'), performance.now() + 60_000);
    const busyUntil = performance.now() + 20; // the event loop is busy past the first deadline
    while (performance.now() < busyUntil);
    await expect(late).rejects.toMatchObject({ status: 504, code: 'deadline_exceeded' });
    expect((await fresh).machineId).toBe('fresh');
    expect(scored).toEqual([1]);
    expect(batcher.expired).toBe(1);
    const alone = batcher.submit(r('alone'), performance.now() - 1);
    await expect(alone).rejects.toBeInstanceOf(HttpError);
    expect(scored).toEqual([1]); // no model call at all for it
  });

  it('skips a batch whose deadline passed before scoring (ScoringService)', async () => {
    const held = new HeldModel(model);
    const service = new ScoringService(held, defaultServerSettings());
    await expect(service.predictBatch(batch, { deadline: performance.now() - 1 })).rejects.toMatchObject({
      status: 504,
    });
    await expect(service.predictOne(reading(), { deadline: performance.now() - 1 })).rejects.toMatchObject({
      status: 504,
    });
    expect(held.calls).toBe(0);
    expect(JSON.parse(await service.predictOne(reading(), { deadline: performance.now() + 60_000 })).machine_id).toBe(
      'MACHINE_001',
    );
  });
});
