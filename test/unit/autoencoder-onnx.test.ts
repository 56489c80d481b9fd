import { mkdtemp, rm, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { meanPerRow, reconstructionErrors } from '../../src/detectors/autoencoder-trainer.js';
import { DEFAULT_AUTOENCODER_OPTIONS, fitAutoencoder } from '../../src/detectors/fit-autoencoder.js';
import { writeModelFiles } from '../../src/model/model-files.js';
import { Model } from '../../src/model/model.js';
import { builtinSchemas } from '../../src/schema/builtin-schemas.js';
import { Prng } from '../../src/util/prng.js';

const schema = builtinSchemas.get('default')!;

/** Correlated synthetic readings: all four sensors follow one load variable. */
function syntheticRows(n: number, seed: number): Float64Array {
  const rng = new Prng(seed);
  const out = new Float64Array(n * 4);
  for (let r = 0; r < n; r++) {
    const load = 1 + 0.1 * rng.normal();
    out.set(
      [
        55 + 10 * load + 0.3 * rng.normal(),
        1.2 * load + 0.03 * rng.normal(),
        40 + 5 * load + 0.3 * rng.normal(),
        250 * load + 3 * rng.normal(),
      ],
      r * 4,
    );
  }
  return out;
}

describe('autoencoder: trainer and ONNX export agree', () => {
  let dir: string;
  let model: Model;
  const rows = 2000;
  const data = syntheticRows(rows, 7);
  const fitted = fitAutoencoder(
    { schema, values: data, rows, dataSha256: 'x', files: ['synthetic'] },
    { ...DEFAULT_AUTOENCODER_OPTIONS, epochs: 15 },
  );

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'imind-ae-'));
    await writeModelFiles(dir, fitted.onnxBytes, fitted.metadata);
    model = await Model.load(dir);
  });
  afterAll(async () => {
    await model.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('scores exactly what the trainer computes (within 1e-5)', async () => {
    const probe = syntheticRows(300, 99);
    // push some rows far off the manifold so large errors are compared too
    for (let r = 0; r < 30; r++) probe[r * 4] = 85 + r;
    const { mean, std } = fitted.metadata.scaler;
    // float32 inputs, as ONNX sees them
    const input = Float32Array.from(probe);
    const scaledFromF32 = Float64Array.from(input, (v, i) => (v - mean[i % 4]!) / std[i % 4]!);
    const layers = fitted.layers;
    const expected = meanPerRow(reconstructionErrors(layers, scaledFromF32, 300), 300, 4);
    const { score, featureErrors } = await model.scoreMatrix(input, 300);
    for (let r = 0; r < 300; r++) {
      const tolerance = 1e-5 * Math.max(1, expected[r]!);
      expect(Math.abs(score[r]! - expected[r]!)).toBeLessThanOrEqual(tolerance);
      let sum = 0;
      for (let c = 0; c < 4; c++) sum += featureErrors[r * 4 + c]!;
      expect(Math.abs(sum / 4 - score[r]!)).toBeLessThanOrEqual(tolerance);
    }
  });

  it('calibrates the threshold from held-back errors, not a constant', () => {
    const t = fitted.metadata.threshold;
    expect(t.value).toBeCloseTo(fitted.metadata.training.validationErrorQuantiles['p99.9']! * t.margin, 10);
    expect(t.value).not.toBe(0.05);
    expect(fitted.metadata.training.validationRows).toBe(400);
  });

  it('flags readings far from the training data and passes typical ones', async () => {
    const reading = (temperature: number) => ({
      row: 1,
      timestamp: 0,
      machineId: 'M',
      values: Float64Array.from([temperature, 1.2, 45, 250]),
    });
    const [normal, hot] = await model.predict([reading(65), reading(95)]);
    expect(normal!.isAnomaly).toBe(false);
    expect(hot!.isAnomaly).toBe(true);
    expect(hot!.contributions.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    expect(hot!.contributions[0]).toBeGreaterThan(0.5);
  });

  it('is deterministic: the same data and seed give the same ONNX bytes', () => {
    const again = fitAutoencoder(
      { schema, values: data, rows, dataSha256: 'x', files: ['synthetic'] },
      { ...DEFAULT_AUTOENCODER_OPTIONS, epochs: 15 },
    );
    expect(Buffer.from(again.onnxBytes).equals(Buffer.from(fitted.onnxBytes))).toBe(true);
  });

  it('refuses a model whose ONNX file was altered', async () => {
    const other = await mkdtemp(join(tmpdir(), 'imind-ae-'));
    try {
      await writeModelFiles(other, fitted.onnxBytes, fitted.metadata);
      const bytes = await readFile(join(other, 'model.onnx'));
      bytes[bytes.length - 5]! ^= 0xff;
      await writeFile(join(other, 'model.onnx'), bytes);
      await expect(Model.load(other)).rejects.toThrow(/does not match its metadata/);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });
});
