import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { looksClean, runCli } from '../helpers/run-cli.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'imind-train-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('imind train (built CLI)', () => {
  it('reproduces the shipped default model byte for byte from simulated data', async () => {
    const data = join(dir, 'normal.csv');
    expect(
      runCli(['simulate', '--rows', '40000', '--machines', '4', '--seed', '1', '--output', data, '--quiet']).status,
    ).toBe(0);
    const out = join(dir, 'default');
    const r = runCli(['train', '--data', data, '--out', out, '--seed', '1']);
    expect(r.status, r.stderr).toBe(0);
    expect((await readFile(join(out, 'model.onnx'))).equals(await readFile('models/default/model.onnx'))).toBe(true);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the test reads a few known keys of the sidecar
    const meta = JSON.parse(await readFile(join(out, 'model.json'), 'utf8')) as Record<string, any>;
    const shipped = JSON.parse(await readFile('models/default/model.json', 'utf8')) as typeof meta;
    // Identical but for where the training file lay.
    expect({ ...meta, training: { ...meta.training, files: [] } }).toEqual({
      ...shipped,
      training: { ...shipped.training, files: [] },
    });
    expect(meta.training.rows).toBe(40000);
    expect(meta.training.dataSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(Object.keys(meta.distribution)).toEqual(['temperature', 'vibration', 'pressure', 'power']);
  });

  it('fits one model per machine with --per-machine, and predict uses a fitted model', async () => {
    const data = join(dir, 'fleet.ndjson');
    runCli(['simulate', '--rows', '3000', '--machines', '3', '--seed', '5', '--output', data, '--quiet']);
    const out = join(dir, 'machines');
    const r = runCli(['train', '--data', data, '--per-machine', '--detector', 'level-shift', '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    expect((await readdir(out)).sort()).toEqual(['MACHINE_001', 'MACHINE_002', 'MACHINE_003']);
    const p = runCli([
      'predict',
      'fixtures/sensors.csv',
      '--model',
      join(out, 'MACHINE_001'),
      '-q',
      '--output-format',
      'csv',
    ]);
    expect(p.status, p.stderr).toBe(0);
    expect(p.stdout.trim().split('\n')).toHaveLength(601);
  });

  it('refuses too little data and unknown schemas with clear messages', async () => {
    const small = join(dir, 'small.csv');
    runCli(['simulate', '--rows', '20', '--output', small, '--quiet']);
    const r = runCli(['train', '--data', small, '--out', join(dir, 'x')]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/at least \d+ valid rows/);
    const s = runCli(['train', '--data', small, '--schema', 'nope']);
    expect(s.status).toBe(2);
    expect(s.stderr).toMatch(/unknown schema "nope"/);
    for (const x of [r, s]) expect(looksClean(x.stderr)).toBe(true);
  });
});
