import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runEvaluate } from '../../src/cli/evaluate-action.js';
import { evaluateCommand } from '../../src/cli/evaluate.js';
import type { EvaluateOptions } from '../../src/cli/evaluate.js';

/** SKAB lives beside the repository (never copied into it). */
const SKAB = fileURLToPath(new URL('../../../shared/data/skab', import.meta.url));
const present = existsSync(join(SKAB, 'valve1', '0.csv'));
if (!present && process.env.CI === 'true') throw new Error(`SKAB data is required under CI but missing at ${SKAB}`);
const reason = present ? '' : ` (skipped: SKAB data not found at ${SKAB}; see ../shared/data/skab/README.md)`;

const FILES = ['0.csv', '1.csv', '10.csv'];

async function capture(run: () => Promise<unknown>): Promise<string> {
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  });
  try {
    await run();
  } finally {
    spy.mockRestore();
  }
  return out;
}

function options(data: string, overrides: Partial<EvaluateOptions>): EvaluateOptions {
  return {
    protocol: 'skab',
    data,
    detector: 'level-shift',
    allDetectors: false,
    schema: 'skab',
    fitRows: 400,
    json: false,
    markdown: false,
    quiet: true,
    ...overrides,
  };
}

describe.skipIf(!present)(`imind evaluate --protocol skab on 3 valve1 runs${reason}`, () => {
  let dir: string;
  let outDir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'imind-eval-'));
    outDir = await mkdtemp(join(tmpdir(), 'imind-eval-out-'));
    for (const f of FILES) await symlink(join(SKAB, 'valve1', f), join(dir, f));
    await symlink(join(SKAB, 'anomaly-free', 'anomaly-free.csv'), join(dir, 'anomaly-free.csv'));
    await writeFile(join(dir, 'unlabelled.csv'), 'datetime;Accelerometer1RMS\n2020-01-01 00:00:00;0.1\n');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
    await rm(outDir, { recursive: true, force: true });
  });

  it('prints one JSON object with the metrics, consistent with --predictions-out', async () => {
    const predictionsOut = join(outDir, 'predictions.csv');
    const stdout = await capture(() => runEvaluate(options(dir, { json: true, predictionsOut })));
    const lines = stdout.trim().split('\n');
    const result = JSON.parse(lines[lines.length - 1]!) as Record<string, number>;
    for (const key of ['f1', 'far', 'mar', 'nab_standard', 'nab_lowfp', 'nab_lowfn', 'files', 'rows'])
      expect(result).toHaveProperty(key);
    expect(result.files).toBe(3);

    // Labels straight from the source files, by (file, 0-based data row).
    const labels = new Map<string, number>();
    for (const f of FILES) {
      const text = await readFile(join(SKAB, 'valve1', f), 'utf8');
      text
        .trim()
        .split(/\r?\n/)
        .slice(1)
        .forEach((line, i) => labels.set(`${f}:${i}`, Number(line.split(';')[9])));
    }
    const csv = (await readFile(predictionsOut, 'utf8')).trim().split('\n');
    expect(csv[0]).toBe('file,row,timestamp,score,is_anomaly');
    const c = { tp: 0, fp: 0, fn: 0, tn: 0 };
    for (const line of csv.slice(1)) {
      const [file, row, timestamp, score, flag] = line.split(',');
      expect(FILES).toContain(file);
      expect(Number(row)).toBeGreaterThanOrEqual(400);
      expect(timestamp).toMatch(/^2020-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/);
      expect(Number(score)).toBeGreaterThanOrEqual(0);
      const y = labels.get(`${file}:${row}`);
      expect(y === 0 || y === 1).toBe(true);
      const p = flag === 'true';
      if (y === 1 && p) c.tp++;
      else if (p) c.fp++;
      else if (y === 1) c.fn++;
      else c.tn++;
    }
    expect(csv.length - 1).toBe(result.rows);
    expect(result.rows).toBe([...labels.keys()].length - 3 * 400);
    expect(result.f1).toBeCloseTo(c.tp / (c.tp + (c.fp + c.fn) / 2), 12);
    expect(result.far).toBeCloseTo(c.fp / (c.fp + c.tn), 12);
    expect(result.mar).toBeCloseTo(c.fn / (c.fn + c.tp), 12);
    // The valve closures in these runs are plain to see: the default detector finds most of them.
    expect(result.f1).toBeGreaterThan(0.7);
  });

  it('is wired to its command line: flags parse into the same run', async () => {
    const stdout = await capture(() =>
      evaluateCommand()
        .exitOverride()
        .parseAsync(['--data', dir, '--detector', 'pca', '--k-of-n', '3/5', '--json', '-q'], { from: 'user' }),
    );
    const result = JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, unknown>;
    expect(result.detector).toBe('pca');
    expect(result.files).toBe(3);
    await expect(
      evaluateCommand().exitOverride().parseAsync(['--data', dir, '--k-of-n', '5/3'], { from: 'user' }),
    ).rejects.toThrow(/--k-of-n/);
  });

  it('prints a table per detector with --all-detectors', async () => {
    const stdout = await capture(() => runEvaluate(options(dir, { allDetectors: true, markdown: true })));
    const rows = stdout.trim().split('\n');
    expect(rows[0]).toMatch(/^\| detector \| F1 \| FAR \| MAR \| NAB standard/);
    expect(rows.slice(2).map((r) => r.split('|')[1]!.trim())).toEqual([
      'level-shift',
      'pca',
      'window-autoencoder',
      'autoencoder',
    ]);
  });
});
