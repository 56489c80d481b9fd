import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runEvaluate } from '../../src/cli/evaluate-action.js';
import { fitDetector } from '../../src/detectors/fit-detector.js';
import { loadLabelledRuns, type LabelledRun } from '../../src/evaluate/labelled-runs.js';
import { writeModelFiles } from '../../src/model/model-files.js';
import { Model } from '../../src/model/model.js';
import type { Prediction } from '../../src/model/prediction.js';
import { builtinSchemas } from '../../src/schema/builtin-schemas.js';
import type { FeatureSchema } from '../../src/schema/feature-schema.js';
import type { Reading } from '../../src/schema/reading.js';
import { parseTimestamp } from '../../src/schema/timestamp.js';
import { buildApp, type App } from '../../src/server/app.js';
import { Prng } from '../../src/util/prng.js';
import { viaInject } from './server-fixtures.js';

/**
 * `serve` keeps each machine's window and alarm state across requests, so a stream
 * posted reading by reading, or in batches of any size, gets exactly the decisions
 * the same model gives the whole file at once (`imind predict`, `imind evaluate`).
 */

interface Scored {
  is_anomaly: boolean;
  anomaly_score: number;
  threshold: number;
  machine_id: string;
  timestamp: string;
  status?: string;
  out_of_order?: boolean;
}

/** A reading as a request body (no machine_id when the schema has a default one and none is given). */
function body(schema: FeatureSchema, r: Reading, machineId?: string): Record<string, unknown> {
  const out: Record<string, unknown> = { timestamp: new Date(r.timestamp).toISOString() };
  if (machineId !== undefined) out.machine_id = machineId;
  schema.features.forEach((f, i) => (out[f.name] = r.values[i]));
  return out;
}

/** Posts readings: the first `single` one by one to /predict, the rest to /predict/batch in batches of the given sizes (cycled). */
async function stream(
  app: App,
  bodies: Record<string, unknown>[],
  single: number,
  sizes: readonly number[],
): Promise<Scored[]> {
  const out: Scored[] = [];
  for (const b of bodies.slice(0, single)) {
    const res = await viaInject(app, { method: 'POST', url: '/predict', body: b });
    expect(res.status, res.text).toBe(200);
    out.push(res.json() as unknown as Scored);
  }
  for (let at = single, k = 0; at < bodies.length; k++) {
    const readings = bodies.slice(at, at + sizes[k % sizes.length]!);
    at += readings.length;
    const res = await viaInject(app, { method: 'POST', url: '/predict/batch', body: { readings } });
    expect(res.status, res.text).toBe(200);
    out.push(...(res.json().predictions as Scored[]));
  }
  return out;
}

const decisions = (list: readonly { is_anomaly: boolean }[]) => list.map((p) => p.is_anomaly);

describe('serve = imind predict: a windowed model, readings posted one by one or in batches', () => {
  const schema = builtinSchemas.get('default')!;
  let dir: string;
  let modelPath: string;
  let csvPath: string;
  let readings: Reading[];
  let reference: Prediction[];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'imind-serve-predict-'));
    const rng = new Prng(11);
    const normal = (t: number) => [
      65 + rng.normal(),
      1.2 + 0.05 * rng.normal(),
      45 + rng.normal(),
      250 + 5 * rng.normal() + t,
    ];
    const rows = 400;
    const train = Float64Array.from(Array.from({ length: rows }, () => normal(0)).flat());
    const fitted = fitDetector(
      'level-shift',
      { schema, values: train, rows, dataSha256: 'x', files: [] },
      { window: 5, alarm: { ewmaAlpha: 0.7, k: 2, n: 3 } },
    );
    modelPath = join(dir, 'model');
    await writeModelFiles(modelPath, fitted.onnxBytes, fitted.metadata);

    // Three machines interleaved; B overheats for a while; one late (out-of-order) reading of A.
    const lines = ['timestamp,machine_id,temperature,vibration,pressure,power'];
    const start = Date.UTC(2024, 0, 15, 8);
    for (let i = 0; i < 150; i++) {
      for (const m of ['A', 'B', 'C']) {
        const v = normal(0);
        if (m === 'B' && i >= 80 && i < 110) v[0]! += 9;
        lines.push([new Date(start + i * 1000).toISOString(), m, ...v.map(String)].join(','));
      }
      if (i === 60) lines.push([new Date(start + 10_000).toISOString(), 'A', ...normal(0).map(String)].join(','));
    }
    csvPath = join(dir, 'stream.csv');
    await writeFile(csvPath, `${lines.join('\n')}\n`);
    readings = lines.slice(1).map((line, i) => {
      const [ts, m, ...v] = line.split(',');
      return { row: i + 1, timestamp: parseTimestamp(ts!), machineId: m!, values: Float64Array.from(v.map(Number)) };
    });
    // What `imind predict` computes: Model.predict over the whole file (ColumnScorer hands stateful models to it).
    const model = await Model.load(modelPath);
    try {
      reference = await model.predict(readings);
    } finally {
      await model.dispose();
    }
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const check = (served: Scored[]) => {
    expect(served.length).toBe(reference.length);
    expect(decisions(served)).toEqual(reference.map((p) => p.isAnomaly));
    expect(served.map((p) => p.anomaly_score)).toEqual(reference.map((p) => p.score));
    expect(served.map((p) => p.status)).toEqual(reference.map((p) => p.status));
    expect(served.map((p) => p.out_of_order ?? false)).toEqual(reference.map((p) => p.outOfOrder ?? false));
    expect(served.map((p) => p.machine_id)).toEqual(readings.map((r) => r.machineId));
  };

  it('the stream is a real test: warming up, anomalies, normal readings and a late reading', () => {
    expect(reference.filter((p) => p.status === 'warming_up').length).toBe(3 * 4);
    expect(reference.filter((p) => p.isAnomaly).length).toBeGreaterThan(10);
    expect(reference.filter((p) => !p.isAnomaly && p.status === 'scored').length).toBeGreaterThan(300);
    expect(reference.filter((p) => p.outOfOrder).length).toBe(1);
  });

  for (const [label, single, sizes] of [
    ['one by one', Number.POSITIVE_INFINITY, [1]],
    ['in batches of 1, 7, 64 and 250', 0, [1, 7, 64, 250]],
    ['first 100 one by one, then batches of 33', 100, [33]],
  ] as const) {
    it(`${label}: the same scores, decisions, statuses as the file`, async () => {
      const app = buildApp({ model: Model.load(modelPath) });
      try {
        await app.state.settled;
        check(
          await stream(
            app,
            readings.map((r) => body(schema, r, r.machineId)),
            Math.min(single, readings.length),
            sizes,
          ),
        );
      } finally {
        await app.close();
      }
    });
  }

  it('concurrent single requests of different machines (micro-batched together), each machine in order', async () => {
    const app = buildApp({ model: Model.load(modelPath) });
    try {
      await app.state.settled;
      const byMachine = new Map<string, number[]>();
      readings.forEach((r, i) => byMachine.set(r.machineId, [...(byMachine.get(r.machineId) ?? []), i]));
      const served = new Array<Scored>(readings.length);
      await Promise.all(
        [...byMachine.values()].map(async (rows) => {
          for (const i of rows) {
            const res = await viaInject(app, {
              method: 'POST',
              url: '/predict',
              body: body(schema, readings[i]!, readings[i]!.machineId),
            });
            served[i] = res.json() as unknown as Scored;
          }
        }),
      );
      check(served);
      expect(app.state.service!.batcher.calls).toBeLessThan(readings.length);
    } finally {
      await app.close();
    }
  });

  const bin = fileURLToPath(new URL('../../bin/imind', import.meta.url));
  const built = existsSync(fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url)));
  it.skipIf(!built)('the built `imind predict` writes the same decisions (skipped before npm run build)', async () => {
    const out = join(dir, 'predictions.ndjson');
    const run = spawnSync(process.execPath, [bin, 'predict', csvPath, '--model', modelPath, '--output', out, '-q'], {
      encoding: 'utf8',
    });
    expect(run.status, run.stderr).toBe(0);
    const predicted = (await readFile(out, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Scored);
    expect(decisions(predicted)).toEqual(reference.map((p) => p.isAnomaly));
    // The file carries scores as float32 text (the ONNX output's precision).
    expect(predicted.map((p) => Math.fround(p.anomaly_score))).toEqual(reference.map((p) => Math.fround(p.score)));
  });
});

/** SKAB lives beside the repository (never copied into it). */
const SKAB = fileURLToPath(new URL('../../../shared/data/skab', import.meta.url));
const RUN = join(SKAB, 'valve1', '1.csv');
const present = existsSync(RUN) && existsSync(join(SKAB, 'valve1', '0.csv'));
if (!present && process.env.CI === 'true') throw new Error(`SKAB data is required under CI but missing at ${SKAB}`);
const reason = present ? '' : ` (skipped: SKAB data not found at ${SKAB}; see ../shared/data/skab/README.md)`;

describe.skipIf(!present)(`serve = imind evaluate on SKAB valve1/1.csv${reason}`, () => {
  const schema = builtinSchemas.get('skab')!;
  let dataDir: string;
  let work: string;
  let run: LabelledRun;
  let app: App;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'imind-serve-eval-data-'));
    work = await mkdtemp(join(tmpdir(), 'imind-serve-eval-'));
    await symlink(RUN, join(dataDir, '1.csv'));
    run = (await loadLabelledRuns(dataDir, schema)).runs[0]!;
    // The server's default model: fitted on another run, so only the machine's own model gives evaluate's decisions.
    const otherDir = await mkdtemp(join(tmpdir(), 'imind-serve-eval-other-'));
    await symlink(join(SKAB, 'valve1', '0.csv'), join(otherDir, '0.csv'));
    const other = (await loadLabelledRuns(otherDir, schema)).runs[0]!;
    await rm(otherDir, { recursive: true, force: true });
    const rows = 400;
    const values = new Float64Array(rows * schema.features.length);
    other.readings.slice(0, rows).forEach((r, i) => values.set(r.values, i * schema.features.length));
    const fitted = fitDetector('level-shift', { schema, values, rows, dataSha256: 'x', files: [] });
    await writeModelFiles(join(work, 'default'), fitted.onnxBytes, fitted.metadata);
    app = buildApp({ model: Model.load(join(work, 'default')), settings: { machinesDir: join(work, 'machines') } });
    await app.state.settled;
  });
  afterAll(async () => {
    await app?.close();
    await rm(dataDir, { recursive: true, force: true });
    await rm(work, { recursive: true, force: true });
  });

  it('baseline over HTTP, then the run one by one and in batches: every decision equals evaluate --predictions-out', async () => {
    // imind evaluate --protocol skab --data <the one file> --predictions-out FILE
    const predictionsOut = join(work, 'evaluate.csv');
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      await runEvaluate({
        protocol: 'skab',
        data: dataDir,
        detector: 'level-shift',
        allDetectors: false,
        schema: 'skab',
        fitRows: 400,
        json: true,
        markdown: false,
        quiet: true,
        predictionsOut,
      });
    } finally {
      stdout.mockRestore();
    }
    const evaluated = (await readFile(predictionsOut, 'utf8'))
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => {
        const [, row, , score, flag] = line.split(',');
        return { row: Number(row), score: Number(score), isAnomaly: flag === 'true' };
      });

    // The first 400 rows are the machine's baseline (SKAB rows have no machine_id: the schema's default, skab-rig).
    const fitCount = run.index.findIndex((i) => i >= 400);
    const baseline = run.readings.slice(0, fitCount).map((r) => body(schema, r));
    const fit = await viaInject(app, {
      method: 'POST',
      url: '/machines/skab-rig/baseline',
      body: { readings: baseline },
    });
    expect(fit.status, fit.text).toBe(200);
    expect(fit.json()).toMatchObject({ machine_id: 'skab-rig', detector: 'level-shift', baseline_rows: 400 });

    // The rest: 100 one by one, then batches of varied sizes; readings of another rig ride along in the batches.
    const rest = run.readings.slice(fitCount).map((r) => body(schema, r));
    const mixed: Record<string, unknown>[] = [];
    rest.forEach((b, i) => {
      mixed.push(b);
      if (i >= 100 && i % 9 === 0) mixed.push({ ...b, machine_id: 'other-rig' });
    });
    const served = (await stream(app, mixed, 100, [1, 50, 7, 250, 120])).filter((p) => p.machine_id === 'skab-rig');

    expect(served.length).toBe(evaluated.length);
    expect(evaluated.map((e) => e.row)).toEqual(Array.from(run.index.slice(fitCount)));
    expect(decisions(served)).toEqual(evaluated.map((e) => e.isAnomaly));
    expect(served.map((p) => p.anomaly_score)).toEqual(evaluated.map((e) => e.score));
    // A discriminating run: the valve closures are found, normal stretches are not flagged.
    const flagged = served.filter((p) => p.is_anomaly).length;
    expect(flagged).toBeGreaterThan(50);
    expect(flagged).toBeLessThan(served.length - 50);
    // ...and the default model (fitted on another run) would not have given these decisions.
    const info = (await viaInject(app, { url: '/machines/skab-rig' })).json();
    expect(new Set(served.map((p) => p.threshold))).toEqual(new Set([info.threshold]));
    expect(info.threshold).not.toBe(app.state.service!.model.threshold);
  });
});
