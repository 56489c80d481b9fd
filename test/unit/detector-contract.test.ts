import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DETECTOR_KINDS,
  fitDetector,
  type DetectorKind,
  type DetectorOptions,
  type FittedDetector,
} from '../../src/detectors/fit-detector.js';
import { flattenWindows } from '../../src/detectors/window-rows.js';
import { writeModelFiles } from '../../src/model/model-files.js';
import { Model, shares } from '../../src/model/model.js';
import { builtinSchemas } from '../../src/schema/builtin-schemas.js';
import { Prng } from '../../src/util/prng.js';

const schema = builtinSchemas.get('default')!;
const F = schema.features.length;

/** A slowly varying load drives all four sensors, plus noise: rows in time order. */
function series(n: number, seed: number): Float64Array {
  const rng = new Prng(seed);
  const out = new Float64Array(n * F);
  let load = 1;
  for (let r = 0; r < n; r++) {
    load += 0.01 * rng.normal() - 0.02 * (load - 1);
    out.set(
      [
        55 + 10 * load + 0.3 * rng.normal(),
        1.2 * load + 0.03 * rng.normal(),
        40 + 5 * load + 0.3 * rng.normal(),
        250 * load + 3 * rng.normal(),
      ],
      r * F,
    );
  }
  return out;
}

const settings: Record<DetectorKind, DetectorOptions> = {
  'level-shift': { window: 5 },
  pca: { window: 1 },
  'window-autoencoder': { window: 4, epochs: 4 },
  autoencoder: { epochs: 4 },
};
const extra: [string, DetectorKind, DetectorOptions][] = [['pca (window 3)', 'pca', { window: 3 }]];
const cases: [string, DetectorKind, DetectorOptions][] = [
  ...DETECTOR_KINDS.map((k) => [k, k, settings[k]] as [string, DetectorKind, DetectorOptions]),
  ...extra,
];

const rows = 600;
const data = { schema, values: series(rows, 3), rows, dataSha256: 'synthetic', files: ['synthetic'] };

describe.each(cases)('detector contract: %s', (_name, kind, options) => {
  let fitted: FittedDetector;
  let model: Model;
  let probe: Float32Array;
  let n: number;
  let W: number;

  beforeAll(async () => {
    fitted = fitDetector(kind, data, options);
    model = await Model.fromParts(fitted);
    W = model.window;
    const raw = series(200, 11);
    // Push a stretch far off normal so large scores are compared too.
    for (let r = 100; r < 130; r++) raw[r * F] = 90 + r / 10;
    n = 200 - W + 1;
    probe = Float32Array.from(flattenWindows(raw, 200, F, W));
  });
  afterAll(async () => {
    await model.dispose();
  });

  it('names its kind and window in the metadata and calibrates a positive threshold', () => {
    expect(fitted.metadata.detector.kind).toBe(kind);
    expect(fitted.metadata.detector.window).toBe(options.window ?? 1);
    expect(fitted.metadata.threshold.value).toBeGreaterThan(0);
    expect(fitted.metadata.onnx).toMatchObject({
      inputName: 'input',
      scoreOutput: 'score',
      featureErrorsOutput: 'feature_errors',
    });
  });

  it('outputs score [batch] and feature_errors [batch, F], nonnegative and finite', async () => {
    const { score, featureErrors } = await model.scoreMatrix(probe, n);
    expect(score.length).toBe(n);
    expect(featureErrors.length).toBe(n * F);
    for (const v of score) expect(v >= 0 && Number.isFinite(v)).toBe(true);
    for (const v of featureErrors) expect(v >= 0 && Number.isFinite(v)).toBe(true);
  });

  it('matches the float64 TypeScript reference within 1e-5 (relative)', async () => {
    const { score, featureErrors } = await model.scoreMatrix(probe, n);
    const expected = fitted.reference(probe, n);
    for (let r = 0; r < n; r++) {
      expect(Math.abs(score[r]! - expected.score[r]!)).toBeLessThanOrEqual(1e-5 * Math.max(1, expected.score[r]!));
      for (let c = 0; c < F; c++) {
        const e = expected.featureErrors[r * F + c]!;
        expect(Math.abs(featureErrors[r * F + c]! - e)).toBeLessThanOrEqual(1e-5 * Math.max(1, e, expected.score[r]!));
      }
    }
  });

  it('has feature errors that share out the score', async () => {
    const { score, featureErrors } = await model.scoreMatrix(probe, n);
    for (let r = 0; r < n; r += 17) {
      let sum = 0;
      for (let c = 0; c < F; c++) sum += featureErrors[r * F + c]!;
      // the score is the sum (level-shift, pca) or the mean (autoencoders) of the feature errors
      const ratio = sum / score[r]!;
      expect(Math.min(Math.abs(ratio - 1), Math.abs(ratio - F))).toBeLessThan(1e-4);
      const s = shares(featureErrors, r * F, F);
      expect(s.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    }
  });

  it('is deterministic: same data, same bytes; same input, same outputs', async () => {
    const again = fitDetector(kind, data, options);
    expect(Buffer.from(again.onnxBytes).equals(Buffer.from(fitted.onnxBytes))).toBe(true);
    const a = await model.scoreMatrix(probe, n);
    const b = await model.scoreMatrix(probe, n);
    expect(Array.from(a.score)).toEqual(Array.from(b.score));
  });

  it('round-trips through model.onnx + model.json (Model.load)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'imind-detector-'));
    try {
      await writeModelFiles(dir, fitted.onnxBytes, fitted.metadata);
      const loaded = await Model.load(dir);
      try {
        expect(loaded.window).toBe(W);
        const a = await loaded.scoreMatrix(probe, n);
        const b = await model.scoreMatrix(probe, n);
        expect(Array.from(a.score)).toEqual(Array.from(b.score));
      } finally {
        await loaded.dispose();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('scores the far-off stretch above the threshold and typical rows mostly below', async () => {
    const { score } = await model.scoreMatrix(probe, n);
    const t = fitted.metadata.threshold.value;
    const off = score[130 - W]!;
    expect(off).toBeGreaterThan(t);
    let below = 0;
    for (let r = 0; r < 90 - W; r++) if (score[r]! <= t) below++;
    expect(below / (90 - W)).toBeGreaterThan(0.5);
  });
});
