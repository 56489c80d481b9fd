import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fitDetector } from '../../src/detectors/fit-detector.js';
import { machineFolderName, saveMachineModel } from '../../src/model/machine-store.js';
import { Model } from '../../src/model/model.js';
import { builtinSchemas } from '../../src/schema/builtin-schemas.js';
import { parseTimestamp } from '../../src/schema/timestamp.js';
import type { Reading } from '../../src/schema/reading.js';
import { errorSchema, predictionSchema } from '../../src/server/api-schemas.js';
import { buildApp, type App } from '../../src/server/app.js';
import { baselineResponseSchema, machineInfoSchema, machineListSchema } from '../../src/server/machine-api-schemas.js';
import { MachineFitter, baselineData } from '../../src/server/machine-fit.js';
import { replayLength } from '../../src/server/machine-info.js';
import type * as MachineFit from '../../src/server/machine-fit.js';
import { hardeningSettings } from '../../src/server/limits-settings.js';
import type { ServerSettings } from '../../src/server/settings.js';
import { Prng } from '../../src/util/prng.js';
import { fitTestModel, memoryLogger, viaInject, type Reply } from './server-fixtures.js';

const schema = builtinSchemas.get('default')!;
const prediction = predictionSchema(schema);

/** Normal operation of a machine that runs hotter than the default model's training data (~65 °C). */
function hotMachine(n: number, seed: number, start = Date.UTC(2024, 0, 15, 8)): Record<string, unknown>[] {
  const rng = new Prng(seed);
  return Array.from({ length: n }, (_, i) => ({
    timestamp: new Date(start + i * 1000).toISOString(),
    machine_id: 'HOT-1',
    temperature: 92 + 0.5 * rng.normal(),
    vibration: 2.4 + 0.05 * rng.normal(),
    pressure: 45 + 0.5 * rng.normal(),
    power: 250 + 3 * rng.normal(),
  }));
}

let dir: string;
let defaultModelPath: string;
const apps: App[] = [];

async function newApp(settings: Partial<ServerSettings>, logger = memoryLogger()): Promise<App> {
  const app = buildApp({ model: Model.load(defaultModelPath), settings, logger: logger.logger });
  apps.push(app);
  await app.state.settled;
  return app;
}

const post = (app: App, url: string, body: unknown): Promise<Reply> =>
  viaInject(app, { method: 'POST', url, body: body as object });
const get = (app: App, url: string): Promise<Reply> => viaInject(app, { url });

beforeAll(async () => {
  const fitted = await fitTestModel();
  dir = fitted.dir;
  defaultModelPath = fitted.path;
});
afterAll(async () => {
  for (const app of apps) await app.close();
  await rm(dir, { recursive: true, force: true });
});

describe('per-machine models: fit over HTTP, route, persist', () => {
  let machinesDir: string;
  let app: App;
  const baseline = hotMachine(400, 1);

  beforeAll(async () => {
    machinesDir = join(dir, 'machines');
    app = await newApp({ machinesDir });
  });

  it('lists no machine at first; an unknown machine is 404 with a clear message', async () => {
    const list = await get(app, '/machines');
    expect(list.status).toBe(200);
    expect(machineListSchema.parse(list.json())).toEqual({ machines: [], unavailable: [], count: 0, persistent: true });
    const one = await get(app, '/machines/HOT-1');
    expect(one.status).toBe(404);
    expect(errorSchema.parse(one.json()).detail).toBe(
      'machine "HOT-1" has no model of its own: its readings are scored by the default model',
    );
  });

  it('the default model flags the hot machine: it needs a model of its own', async () => {
    const res = await post(app, '/predict', baseline[399]);
    expect(prediction.parse(res.json()).is_anomaly).toBe(true);
  });

  it('POST /machines/{id}/baseline fits level-shift by default and saves it (readings may omit machine_id)', async () => {
    const body = { readings: baseline.map((r, i) => (i % 2 ? r : { ...r, machine_id: undefined })) };
    const res = await post(app, '/machines/HOT-1/baseline', JSON.parse(JSON.stringify(body)));
    expect(res.status).toBe(200);
    const fitted = baselineResponseSchema.parse(res.json());
    expect(fitted).toMatchObject({
      machine_id: 'HOT-1',
      detector: 'level-shift',
      window: 20,
      baseline_rows: 400,
      persisted: true,
      replaced: false,
    });
    expect(Date.parse(fitted.fitted_at)).not.toBeNaN();
    const files = await readdir(join(machinesDir, 'HOT-1'));
    expect(files.sort()).toEqual(['model.json', 'model.onnx']);
    const info = machineInfoSchema.parse((await get(app, '/machines/HOT-1')).json());
    const { replaced: _r, fit_ms: _f, ...same } = fitted;
    expect(info).toEqual(same);
    expect(machineListSchema.parse((await get(app, '/machines')).json()).machines).toEqual([info]);
  });

  it("scores the machine's readings with its own model, warmed by the baseline (no warming_up)", async () => {
    const next = hotMachine(3, 2, Date.UTC(2024, 0, 15, 9));
    for (const r of next) {
      const p = prediction.parse((await post(app, '/predict', r)).json());
      expect(p).toMatchObject({ status: 'scored', is_anomaly: false });
    }
    // Another machine at the same reading is still scored by the default model (pointwise: no status).
    const other = prediction.parse((await post(app, '/predict', { ...next[0], machine_id: 'OTHER' })).json());
    expect(other.is_anomaly).toBe(true);
    expect(other.status).toBeUndefined();
  });

  it('a mixed batch is grouped by model and answered in request order', async () => {
    const hot = hotMachine(6, 3, Date.UTC(2024, 0, 15, 10));
    const readings = hot.map((r, i) => (i % 3 === 1 ? { ...r, machine_id: `OTHER-${i}` } : r));
    const res = await post(app, '/predict/batch', { readings });
    expect(res.status).toBe(200);
    const predictions = (res.json().predictions as unknown[]).map((p) => prediction.parse(p));
    expect(predictions.map((p) => p.machine_id)).toEqual(readings.map((r) => r.machine_id));
    expect(predictions.map((p) => p.timestamp)).toEqual(readings.map((r) => r.timestamp));
    for (const [i, p] of predictions.entries()) {
      if (i % 3 === 1) expect([p.is_anomaly, p.status]).toEqual([true, undefined]);
      else expect([p.is_anomaly, p.status]).toEqual([false, 'scored']);
    }
  });

  it('a reading of the machine far from its baseline is an anomaly for its model too', async () => {
    const start = Date.UTC(2024, 0, 15, 11);
    const faulty = hotMachine(8, 4, start).map((r) => ({ ...r, temperature: 130 }));
    const res = await post(app, '/predict/batch', { readings: faulty });
    const flags = (res.json().predictions as { is_anomaly: boolean }[]).map((p) => p.is_anomaly);
    expect(flags.some(Boolean)).toBe(true);
  });

  it('takes the detector from the query or the body; a refit replaces the model', async () => {
    const viaQuery = await post(app, '/machines/HOT-1/baseline?detector=pca', { readings: baseline });
    expect(viaQuery.status).toBe(200);
    expect(baselineResponseSchema.parse(viaQuery.json())).toMatchObject({ detector: 'pca', replaced: true });
    const viaBody = await post(app, '/machines/HOT-1/baseline', { readings: baseline, detector: 'level-shift' });
    expect(baselineResponseSchema.parse(viaBody.json())).toMatchObject({ detector: 'level-shift', replaced: true });
    const p = prediction.parse((await post(app, '/predict', hotMachine(1, 5, Date.UTC(2024, 0, 15, 12))[0])).json());
    expect(p.status).toBe('scored');
  });

  it('takes any valid machine_id in the path, percent-encoded (stored under an encoded folder name)', async () => {
    const id = 'line 3/pump.7';
    const readings = baseline.map((r) => ({ ...r, machine_id: id }));
    const res = await post(app, `/machines/${encodeURIComponent(id)}/baseline`, { readings });
    expect(res.status).toBe(200);
    expect(res.json().machine_id).toBe(id);
    expect(existsSync(join(machinesDir, machineFolderName(id), 'model.json'))).toBe(true);
    expect((await get(app, `/machines/${encodeURIComponent(id)}`)).json().machine_id).toBe(id);
  });

  it('refuses bad baselines with 422 naming the field', async () => {
    const cases: [string, unknown, string, string][] = [
      [
        '/machines/HOT-1/baseline',
        { readings: baseline.map((r, i) => (i === 3 ? { ...r, machine_id: 'HOT-2' } : r)) },
        'readings.3.machine_id',
        'is "HOT-2", but this is the baseline of "HOT-1" (give that id or none)',
      ],
      ['/machines/HOT-1/baseline', { readings: baseline.slice(0, 10) }, 'readings', 'level-shift'],
      ['/machines/HOT-1/baseline?detector=magic', { readings: baseline }, 'detector', 'use one of level-shift'],
      ['/machines/HOT-1/baseline?detector=pca', { readings: baseline, detector: 'level-shift' }, 'detector', 'query'],
      ['/machines/HOT-1/baseline', { readings: baseline, extra: 1 }, 'extra', 'is not a known field'],
      [
        '/machines/HOT-1/baseline',
        { readings: baseline.map((r, i) => (i === 7 ? { ...r, pressure: 450 } : r)) },
        'readings.7.pressure',
        'outside the valid range',
      ],
      ['/machines/HOT-1/baseline', { readings: [] }, 'readings', 'must hold 1 to 100000 readings, got 0'],
      [`/machines/${'x'.repeat(51)}/baseline`, { readings: baseline }, 'machine_id', 'in the path must be at most 50'],
      ['/machines/%E0%A4%A/baseline', { readings: baseline }, 'machine_id', 'percent-encoding'],
    ];
    for (const [url, body, path, message] of cases) {
      const res = await post(app, url, body);
      expect(res.status, url).toBe(422);
      const error = errorSchema.parse(res.json());
      expect(error.issues?.[0]?.path, JSON.stringify(error)).toBe(path);
      expect(error.issues?.[0]?.message, JSON.stringify(error)).toContain(message);
    }
    // Nothing changed: HOT-1 still has its level-shift model.
    expect((await get(app, '/machines/HOT-1')).json().detector).toBe('level-shift');
  });

  it('answers 405 and 404 on the machine paths like everywhere else', async () => {
    expect((await get(app, '/machines/HOT-1/baseline')).status).toBe(405);
    expect((await post(app, '/machines', {})).status).toBe(405);
    expect((await post(app, '/machines/HOT-1', {})).status).toBe(405);
    expect((await get(app, '/machines//baseline')).status).toBe(404);
    expect((await get(app, '/machines/HOT-1/baseline/x')).status).toBe(404);
  });

  it('loads the stored machines at the next start (windows warm up again)', async () => {
    const restarted = await newApp({ machinesDir });
    const list = machineListSchema.parse((await get(restarted, '/machines')).json());
    expect(list.machines.map((m) => m.machine_id)).toEqual(['HOT-1', 'line 3/pump.7']);
    expect(list.machines.every((m) => m.persisted)).toBe(true);
    const first = prediction.parse(
      (await post(restarted, '/predict', hotMachine(1, 6, Date.UTC(2024, 0, 15, 13))[0])).json(),
    );
    expect(first).toMatchObject({ status: 'warming_up', is_anomaly: false });
  });
});

describe('stored machine models that cannot be used', () => {
  it('refuse their readings (422 for other features, 503 for a broken model) and the rest keeps serving', async () => {
    const machinesDir = await mkdtemp(join(tmpdir(), 'imind-machines-'));
    try {
      // A model of the SKAB schema (8 features) cannot score default-schema readings.
      const skab = builtinSchemas.get('skab')!;
      const rng = new Prng(9);
      const rows = 200;
      const values = Float64Array.from({ length: rows * 8 }, (_, i) => 1 + (i % 8) + 0.01 * rng.normal());
      const other = fitDetector('level-shift', { schema: skab, values, rows, dataSha256: 'x', files: [] });
      await saveMachineModel(machinesDir, 'SKAB-1', other);
      await mkdir(join(machinesDir, 'BROKEN'));
      await writeFile(join(machinesDir, 'BROKEN', 'model.json'), '{"format":');
      await writeFile(join(machinesDir, 'README.txt'), 'not a machine');
      const log = memoryLogger();
      const app = await newApp({ machinesDir }, log);

      const list = machineListSchema.parse((await get(app, '/machines')).json());
      expect(list.machines).toEqual([]);
      expect(list.unavailable.map((u) => u.machine_id)).toEqual(['BROKEN', 'SKAB-1']);
      const errors = log.lines().filter((l) => l.level === 50);
      expect(errors.map((l) => l.machine_id).sort()).toEqual(['BROKEN', 'SKAB-1']);

      const reading = { ...hotMachine(1, 1)[0], machine_id: 'SKAB-1' };
      const mismatch = await post(app, '/predict', reading);
      expect(mismatch.status).toBe(422);
      expect(mismatch.json().detail).toBe(
        'the model of machine "SKAB-1" cannot score these readings: its features (accelerometer1_rms, accelerometer2_rms, current, pressure, temperature, thermocouple, voltage, volume_flow_rate_rms) differ from the default model\'s (temperature, vibration, pressure, power); refit it with POST /machines/{machine_id}/baseline',
      );
      const batch = await post(app, '/predict/batch', { readings: [{ ...reading, machine_id: 'M' }, reading] });
      expect(batch.status).toBe(422);
      expect(batch.json().issues).toEqual([{ path: 'readings.1.machine_id', message: expect.any(String) }]);
      const broken = await post(app, '/predict', { ...reading, machine_id: 'BROKEN' });
      expect(broken.status).toBe(503);
      expect(broken.json().detail).toContain('could not be loaded (the reason is in the server log)');
      expect(broken.text).not.toContain(machinesDir);
      expect((await post(app, '/predict', { ...reading, machine_id: 'FINE' })).status).toBe(200);

      // A refit over HTTP repairs the machine.
      const readings = hotMachine(400, 1).map((r) => ({ ...r, machine_id: 'BROKEN' }));
      expect((await post(app, '/machines/BROKEN/baseline', { readings })).status).toBe(200);
      expect((await post(app, '/predict', { ...reading, machine_id: 'BROKEN' })).status).toBe(200);
    } finally {
      await rm(machinesDir, { recursive: true, force: true });
    }
  });
});

describe('settings of the baseline route', () => {
  const readings = hotMachine(400, 1);

  it('without a machines folder, models live in memory only, and the server says so at start', async () => {
    const log = memoryLogger();
    const app = await newApp({}, log);
    expect(log.lines().map((l) => l.msg)).toContain(
      'no machines folder (--machines-dir): machine models fitted with POST /machines/{machine_id}/baseline live in memory only and are lost at restart',
    );
    const res = await post(app, '/machines/HOT-1/baseline', { readings });
    expect(res.json()).toMatchObject({ persisted: false });
    expect((await get(app, '/machines')).json()).toMatchObject({ count: 1, persistent: false });
  });

  it('has its own body limit and reading limit', async () => {
    const app = await newApp({ baselineBodyLimitBytes: 4096, maxBaselineReadings: 300 });
    const big = await post(app, '/machines/HOT-1/baseline', { readings });
    expect(big.status).toBe(413);
    const app2 = await newApp({ maxBaselineReadings: 300 });
    const many = await post(app2, '/machines/HOT-1/baseline', { readings });
    expect(many.status).toBe(422);
    expect(many.json().issues).toEqual([{ path: 'readings', message: 'must hold 1 to 300 readings, got 400' }]);
    // /predict/batch keeps its own limit of 1000.
    const batch = await post(app2, '/predict/batch', { readings: hotMachine(1001, 1) });
    expect(batch.json().issues).toEqual([{ path: 'readings', message: 'must hold 1 to 1000 readings, got 1001' }]);
  });

  it('abandons a fit whose request deadline passed: 504, and the machine keeps no model', async () => {
    // The body arrives and is validated well within 200 ms; fitting the window autoencoder on 2000 readings
    // (inline here, ~1 s) does not end within it.
    const app = await newApp({ hardening: hardeningSettings({ requestDeadlineMs: 200 }) });
    const slow = hotMachine(2000, 1);
    const late = await post(app, '/machines/HOT-1/baseline?detector=window-autoencoder', { readings: slow });
    expect(late.status).toBe(504);
    await app.state.service!.machines.settled();
    expect((await get(app, '/machines')).json()).toMatchObject({ count: 0 });
  });

  it('refuses a machine beyond maxMachineModels, and any fit with several workers (409)', async () => {
    const app = await newApp({ maxMachineModels: 1 });
    expect(
      (await post(app, '/machines/A/baseline', { readings: readings.map((r) => ({ ...r, machine_id: 'A' })) })).status,
    ).toBe(200);
    const second = await post(app, '/machines/B/baseline', {
      readings: readings.map((r) => ({ ...r, machine_id: 'B' })),
    });
    expect(second.status).toBe(409);
    expect(second.json().detail).toContain('its limit');
    // Refitting a machine it has is fine.
    expect(
      (await post(app, '/machines/A/baseline', { readings: readings.map((r) => ({ ...r, machine_id: 'A' })) })).status,
    ).toBe(200);

    const clustered = await newApp({ workers: 2 });
    const refused = await post(clustered, '/machines/HOT-1/baseline', { readings });
    expect(refused.status).toBe(409);
    expect(refused.json().detail).toContain('--workers 1');
  });
});

describe('fitting off the event loop', () => {
  const compiled = new URL('../../dist/server/machine-fit.js', import.meta.url);
  const built = existsSync(new URL('../../dist/server/machine-fit-worker.js', import.meta.url));

  it.skipIf(!built)(
    'the compiled build fits autoencoders in a worker thread, to the same bytes as inline (skipped before npm run build)',
    async () => {
      const module = (await import(compiled.href)) as typeof MachineFit;
      const fitter = new module.MachineFitter();
      expect(fitter.offThread).toBe(true);
      const readings: Reading[] = hotMachine(300, 8).map((r, i) => ({
        row: i + 1,
        timestamp: parseTimestamp(String(r.timestamp)),
        machineId: 'HOT-1',
        values: Float64Array.from([r.temperature, r.vibration, r.pressure, r.power] as number[]),
      }));
      const data = baselineData(schema, readings, 'test');
      const offThread = await fitter.fit('window-autoencoder', data);
      const inline = await new MachineFitter(false).fit('window-autoencoder', data);
      expect(Buffer.from(offThread.onnxBytes).equals(Buffer.from(inline.onnxBytes))).toBe(true);
      expect(offThread.metadata).toEqual(inline.metadata);
      await expect(fitter.fit('autoencoder', { ...data, rows: 10 })).rejects.toThrow(/at least/);
      await fitter.close();
      await expect(fitter.fit('autoencoder', data)).rejects.toThrow(/stopped/);
    },
  );

  it('the source tree (no compiled worker) fits inline', () => {
    expect(new MachineFitter().offThread).toBe(false);
  });
});

describe('the OpenAPI document', () => {
  it('describes the /machines routes with the schemas the tests check responses against', async () => {
    const app = await newApp({ maxBaselineReadings: 5000 });
    const doc = (await get(app, '/openapi.json')).json() as {
      paths: Record<string, Record<string, { parameters?: { name: string }[] }>>;
      components: { schemas: Record<string, { properties?: Record<string, { maxItems?: number }> }> };
    };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/machines', '/machines/{machine_id}', '/machines/{machine_id}/baseline']),
    );
    const baselineRoute = doc.paths['/machines/{machine_id}/baseline']!.post!;
    expect(baselineRoute.parameters!.map((p) => p.name).slice(0, 2)).toEqual(['machine_id', 'detector']);
    expect(doc.components.schemas.MachineBaseline!.properties!.readings!.maxItems).toBe(5000);
    for (const name of ['MachineInfo', 'MachineList', 'MachineBaselineResult'])
      expect(doc.components.schemas).toHaveProperty(name);
  });
});

describe('replaying the end of a baseline', () => {
  it('leaves the state a replay of the whole baseline leaves (window, k-of-n, EWMA)', async () => {
    const all: Reading[] = hotMachine(700, 12).map((r, i) => ({
      row: i + 1,
      timestamp: parseTimestamp(String(r.timestamp)),
      machineId: 'HOT-1',
      values: Float64Array.from([
        i > 500 && i < 540 ? 99 : r.temperature,
        r.vibration,
        r.pressure,
        r.power,
      ] as number[]),
    }));
    const baseline = all.slice(0, 400);
    const rest = all.slice(400);
    const fitted = fitDetector('level-shift', baselineData(schema, baseline, 'test'), {
      window: 5,
      alarm: { ewmaAlpha: 0.3, k: 2, n: 4 },
    });
    const full = await Model.fromParts(fitted);
    const tail = await Model.fromParts(fitted);
    try {
      const count = replayLength(tail);
      expect(count).toBe(5 - 1 + 4 + 102); // 0.7 ** 102 < 2 ** -52
      await full.predict(baseline);
      await tail.predict(baseline.slice(-count));
      const a = await full.predict(rest);
      const b = await tail.predict(rest);
      expect(b.map((p) => p.isAnomaly)).toEqual(a.map((p) => p.isAnomaly));
      expect(a.some((p) => p.isAnomaly)).toBe(true);
      b.forEach((p, i) => expect(Math.abs(p.score - a[i]!.score)).toBeLessThanOrEqual(1e-12 * a[i]!.score));
      // Too short a replay would not do: the first readings would still be warming up.
      const short = await Model.fromParts(fitted);
      await short.predict(baseline.slice(-3));
      expect((await short.predict(rest.slice(0, 1)))[0]!.status).toBe('warming_up');
      await short.dispose();
    } finally {
      await full.dispose();
      await tail.dispose();
    }
  });
});
