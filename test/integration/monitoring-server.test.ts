import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Model } from '../../src/model/model.js';
import { buildApp, type App } from '../../src/server/app.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { simulateReadings, type FaultSpec } from '../../src/simulate/index.js';
import { Prng } from '../../src/util/prng.js';
import { samples, total } from './monitoring-fixtures.js';
import { fitTestModel, memoryLogger, reading, viaHttp, type Reply } from './server-fixtures.js';

const DEFAULT_MODEL = fileURLToPath(new URL('../../models/default', import.meta.url));

interface Serving {
  app: App;
  server: RunningServer;
  lines: () => Record<string, unknown>[];
}

const serving: Serving[] = [];
async function serve(model: string, options: Parameters<typeof buildApp>[0]['monitoring'], level = 'info') {
  const { logger, lines } = memoryLogger(level);
  const app = buildApp({ model: Model.load(model), logger, monitoring: options });
  const server = await startServer(app, { host: '127.0.0.1', port: 0 });
  await app.state.settled;
  const s = { app, server, lines };
  serving.push(s);
  return s;
}

let dir: string;
let modelPath: string;
beforeAll(async () => {
  ({ dir, path: modelPath } = await fitTestModel());
});
afterAll(async () => {
  for (const s of serving) await s.server.shutdown();
  await rm(dir, { recursive: true, force: true });
});

const post = (base: string, url: string, body: object, headers: Record<string, string> = {}): Promise<Reply> =>
  viaHttp(base, { method: 'POST', url, body, headers });

describe('GET /metrics after known traffic (a real server on a free port)', () => {
  let s: Serving;
  let metrics: Map<string, number>;
  let text: string;

  beforeAll(async () => {
    s = await serve(modelPath, { machineLabelLimit: 3 });
    const base = s.server.url;
    for (const id of ['M1', 'M2', 'M3', 'M4', 'M5'])
      expect((await post(base, '/predict', reading({ machine_id: id }), { 'x-request-id': `req-${id}` })).status).toBe(
        200,
      );
    const batch = Array.from({ length: 10 }, (_, i) => reading({ machine_id: 'M1', temperature: i < 2 ? 120 : 65.5 }));
    expect((await post(base, '/predict/batch', { readings: batch })).status).toBe(200);
    expect((await post(base, '/predict', reading({ pressure: 1000 }), { 'x-request-id': 'bad id!' })).status).toBe(422);
    expect((await viaHttp(base, { url: '/no/such/path-123' })).status).toBe(404);
    expect((await viaHttp(base, { method: 'PUT', url: '/predict' })).status).toBe(405);
    await viaHttp(base, { url: '/machines/SOME-MACHINE-42' });
    const reply = await viaHttp(base, { url: '/metrics' });
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    text = reply.text;
    metrics = samples(text);
  });

  it('counts requests by method, route template and status, never by raw path', () => {
    const req = (method: string, route: string, status: string) =>
      metrics.get(`imind_http_requests_total{method="${method}",route="${route}",status="${status}"}`);
    expect(req('POST', '/predict', '200')).toBe(5);
    expect(req('POST', '/predict', '422')).toBe(1);
    expect(req('POST', '/predict/batch', '200')).toBe(1);
    expect(req('GET', 'unknown', '404')).toBe(1);
    expect(req('PUT', '/predict', '405')).toBe(1);
    expect(total(metrics, 'imind_http_requests_total', { route: '/machines/{machine_id}' })).toBe(1);
    expect(text).not.toMatch(/path-123|SOME-MACHINE-42/);
    expect(metrics.get('imind_http_request_duration_seconds_count{method="POST",route="/predict"}')).toBe(6);
    expect(metrics.get('imind_http_requests_in_flight')).toBe(1); // this scrape
  });

  it('counts every scored reading by machine and outcome, with the machine labels capped', () => {
    expect(total(metrics, 'imind_predictions_total')).toBe(15);
    expect(total(metrics, 'imind_predictions_total', { machine_id: 'M1' })).toBe(11);
    expect(total(metrics, 'imind_predictions_total', { machine_id: '_other' })).toBe(2);
    expect(total(metrics, 'imind_predictions_total', { machine_id: 'M4' })).toBe(0);
    expect(total(metrics, 'imind_predictions_total', { outcome: 'anomaly' })).toBe(2);
    expect(metrics.get('imind_anomaly_score_count')).toBe(15);
    expect(metrics.get('imind_inference_batch_size_sum')).toBe(15);
    expect(metrics.get('imind_inference_duration_seconds_count')).toBe(metrics.get('imind_inference_batch_size_count'));
  });

  it('exports the model, its threshold and readiness', () => {
    const version = s.app.state.service!.model.version;
    expect(metrics.get(`imind_model_info{detector="autoencoder",schema="default",version="${version}"}`)).toBe(1);
    expect(metrics.get('imind_anomaly_threshold')).toBe(s.app.state.service!.model.threshold);
    expect(metrics.get('imind_ready')).toBe(1);
  });

  it('writes one JSON access line per request with the request id, route, status, latency and verdict', () => {
    const access = s.lines().filter((l) => l.msg === 'request');
    expect(access).toHaveLength(11);
    const version = s.app.state.service!.model.version;
    expect(access[0]).toMatchObject({
      level: 30,
      request_id: 'req-M1',
      method: 'POST',
      route: '/predict',
      status: 200,
      machine_id: 'M1',
      is_anomaly: false,
      model_version: version,
    });
    expect(typeof access[0]!.latency_ms).toBe('number');
    expect(access[5]).toMatchObject({ route: '/predict/batch', readings: 10, anomalies: 2 });
    expect(access[6]).toMatchObject({ route: '/predict', status: 422 });
    expect(access[6]!.request_id).toMatch(/^[0-9a-f-]{36}$/); // "bad id!" was replaced
    expect(access[7]).toMatchObject({ route: 'unknown', status: 404 });
    expect(JSON.stringify(access)).not.toContain('path-123');
  });
});

describe('monitoring switched off', () => {
  it('has no /metrics or /monitoring/drift, and no access lines below the log level', async () => {
    const s = await serve(modelPath, false, 'warn');
    expect((await viaHttp(s.server.url, { url: '/metrics' })).status).toBe(404);
    expect((await viaHttp(s.server.url, { url: '/monitoring/drift' })).status).toBe(404);
    expect((await post(s.server.url, '/predict', reading())).status).toBe(200);
    expect(s.lines().filter((l) => l.msg === 'request')).toEqual([]);
  });
});

/** `count` readings drawn at random from a simulation like the one the default model was trained on. */
function sample(count: number, seed: number, faults: FaultSpec[] = []): Record<string, unknown>[] {
  const all = [...simulateReadings({ rows: 40_000, machines: 4, seed: 1, faults })];
  const rng = new Prng(seed);
  return Array.from({ length: count }, () => {
    const r = all[Math.floor(rng.next() * all.length)]!;
    const [temperature, vibration, pressure, power] = r.values;
    return {
      timestamp: new Date(r.timestamp).toISOString(),
      machine_id: r.machineId,
      temperature,
      vibration,
      pressure,
      power,
    };
  });
}

describe('GET /monitoring/drift with the default model and the simulator', () => {
  const drift = async (base: string) => {
    const reply = await viaHttp(base, { url: '/monitoring/drift' });
    expect(reply.status).toBe(200);
    return reply.json() as {
      window_size: number;
      readings: number;
      status: string;
      features: { feature: string; psi: number; out_of_range_rate: number; status: string }[];
    };
  };
  const feed = async (base: string, readings: Record<string, unknown>[]) => {
    for (let i = 0; i < readings.length; i += 500)
      expect((await post(base, '/predict/batch', { readings: readings.slice(i, i + 500) })).status).toBe(200);
  };

  it('stays low on normal readings, then shows the leaking sensor drifting while the others stay low', async () => {
    const s = await serve(DEFAULT_MODEL, { driftWindow: 1000 });
    const base = s.server.url;
    expect((await drift(base)).status).toBe('insufficient_data');

    await feed(base, sample(1000, 1));
    const normal = await drift(base);
    expect(normal).toMatchObject({ window_size: 1000, readings: 1000, status: 'ok' });
    for (const f of normal.features) expect(f.psi, f.feature).toBeLessThan(0.1);

    const leaks: FaultSpec[] = [1, 2, 3, 4].map((machine) => ({
      type: 'pressure_leak',
      machine,
      start: 0,
      duration: 10_000,
    }));
    await feed(base, sample(1000, 2, leaks));
    const leaking = await drift(base);
    expect(leaking.readings).toBe(1000);
    const byName = Object.fromEntries(leaking.features.map((f) => [f.feature, f]));
    expect(byName.pressure!.psi).toBeGreaterThan(0.25);
    expect(byName.pressure!.status).toBe('alert');
    expect(byName.pressure!.out_of_range_rate).toBeGreaterThan(0.1);
    for (const name of ['temperature', 'vibration', 'power']) expect(byName[name]!.psi, name).toBeLessThan(0.1);
    expect(leaking.status).toBe('alert');

    const metrics = samples((await viaHttp(base, { url: '/metrics' })).text);
    expect(metrics.get('imind_feature_drift_psi{feature="pressure"}')).toBe(byName.pressure!.psi);
    expect(metrics.get('imind_feature_drift_psi{feature="power"}')).toBeLessThan(0.1);
    expect(metrics.get('imind_drift_window_readings')).toBe(1000);
  });
});
