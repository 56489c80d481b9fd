import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binPath, looksClean, repoRoot, runCli, startCli } from '../helpers/run-cli.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'imind-e2e-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const parseNdjson = (text: string) =>
  text
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('imind predict (built CLI as a process)', () => {
  it('scores a CSV fixture: NDJSON on stdout when not a terminal, summary on stderr, exit 0', () => {
    const r = runCli(['predict', 'fixtures/sensors.csv']);
    expect(r.status).toBe(0);
    const rows = parseNdjson(r.stdout);
    expect(rows).toHaveLength(600);
    expect(Object.keys(rows[0]!)).toEqual([
      'row',
      'timestamp',
      'machine_id',
      'is_anomaly',
      'anomaly_score',
      'threshold',
      'confidence',
      'contributions',
    ]);
    expect(rows.map((x) => x.row)).toEqual(Array.from({ length: 600 }, (_, i) => i + 1));
    const contributions = Object.values(rows[0]!.contributions as Record<string, number>);
    expect(contributions.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    expect(r.stderr).toMatch(/600 rows read, 600 scored, \d+ anomalous, 0 invalid/);
  });

  it('reads NDJSON and JSON arrays and gives the same scores as CSV', () => {
    const csv = parseNdjson(runCli(['predict', 'fixtures/sensors.csv', '-q']).stdout);
    const ndjson = parseNdjson(runCli(['predict', 'fixtures/sensors.ndjson', '-q']).stdout);
    expect(ndjson.map((x) => x.anomaly_score)).toEqual(csv.map((x) => x.anomaly_score));
    const json = runCli(['predict', 'fixtures/sensors.json', '-q']);
    expect(json.status).toBe(0);
    expect(parseNdjson(json.stdout)).toHaveLength(100);
  });

  it("scores the seed's example reading as normal and the seed client's reading as anomalous", () => {
    const example = parseNdjson(runCli(['predict', 'fixtures/seed-example.json', '-q']).stdout)[0]!;
    const client = parseNdjson(runCli(['predict', 'fixtures/seed-client.json', '-q']).stdout)[0]!;
    expect(example.is_anomaly).toBe(false);
    expect(client.is_anomaly).toBe(true);
    // The seed's own example timestamp, with Z, works and comes back in UTC.
    expect(example.timestamp).toBe('2024-01-15T10:30:00.000Z');
    for (const p of [example, client]) {
      expect(p.confidence).toBeGreaterThanOrEqual(0);
      expect(p.confidence).toBeLessThanOrEqual(1);
      expect(p.threshold).not.toBe(0.05);
    }
    const top = Object.entries(client.contributions as Record<string, number>).sort((a, b) => b[1] - a[1])[0]![0];
    expect(['temperature', 'vibration']).toContain(top);
  });

  it('reports every bad row with its number and field, scores the rest, exits 3; no row lost', () => {
    const r = runCli(['predict', 'fixtures/bad-rows.csv']);
    expect(r.status).toBe(3);
    const scored = parseNdjson(r.stdout).map((x) => x.row as number);
    const reported = [...r.stderr.matchAll(/^imind: row (\d+): /gm)].map((m) => Number(m[1]));
    expect([...scored, ...reported].sort((a, b) => a - b)).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
    expect(r.stderr).toMatch(/row 3: temperature is 250, outside the valid range -50\.\.200/);
    expect(r.stderr).toMatch(/row 9: timestamp lies in the future/);
    expect(looksClean(r.stderr)).toBe(true);
  });

  it('writes --errors as NDJSON and --output atomically in the format of its extension', async () => {
    const out = join(dir, 'scored.csv');
    const errors = join(dir, 'bad.ndjson');
    const r = runCli(['predict', 'fixtures/bad-rows.csv', '--output', out, '--errors', errors, '-q']);
    expect(r.status).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('');
    const csv = (await readFile(out, 'utf8')).trim().split('\n');
    expect(csv[0]).toBe(
      'row,timestamp,machine_id,is_anomaly,anomaly_score,threshold,confidence,contrib_temperature,contrib_vibration,contrib_pressure,contrib_power',
    );
    const bad = parseNdjson(await readFile(errors, 'utf8'));
    expect(csv.length - 1 + bad.length).toBe(15);
    expect(bad[0]).toEqual({
      row: 3,
      field: 'temperature',
      message: 'temperature is 250, outside the valid range -50..200',
    });
    expect((await readdir(dir)).filter((f) => f.startsWith('.imind-tmp'))).toEqual([]);
  });

  it('exits 4 with --fail-on-anomaly when anomalies are found, 0 without', () => {
    expect(runCli(['predict', 'fixtures/seed-client.json', '-q', '--fail-on-anomaly']).status).toBe(4);
    expect(runCli(['predict', 'fixtures/seed-example.json', '-q', '--fail-on-anomaly']).status).toBe(0);
  });

  it('reads stdin with "-", sniffing the format', () => {
    for (const file of ['fixtures/sensors.csv', 'fixtures/sensors.ndjson', 'fixtures/sensors.json']) {
      execFileSync('true');
      const input = spawnSync('cat', [join(repoRoot, file)]).stdout;
      const r = runCli(['predict', '-', '-q'], { input });
      expect(r.status, file).toBe(0);
      expect(parseNdjson(r.stdout).length).toBeGreaterThan(50);
    }
  });

  it('ends quietly when the reader of stdout goes away (| head)', () => {
    const r = spawnSync(
      'bash',
      [
        '-o',
        'pipefail',
        '-c',
        `cat fixtures/sensors.ndjson fixtures/sensors.ndjson | "${process.execPath}" "${binPath}" predict - | head -3`,
      ],
      {
        cwd: repoRoot,
        encoding: 'utf8',
      },
    );
    expect(r.stdout.trim().split('\n')).toHaveLength(3);
    expect(r.stderr).not.toMatch(/EPIPE|Error|at /);
    expect(r.status).toBe(0);
  });

  it('fails clearly on a missing file (5), a broken model (6) and a bad flag (2), never with a stack trace', async () => {
    const missing = runCli(['predict', 'no-such-file.csv']);
    expect(missing.status).toBe(5);
    expect(missing.stderr).toMatch(/cannot read no-such-file\.csv: no such file/);
    const model = runCli(['predict', 'fixtures/sensors.csv', '--model', dir]);
    expect(model.status).toBe(6);
    const flag = runCli(['predict', 'fixtures/sensors.csv', '--batch-size', 'zero']);
    expect(flag.status).toBe(2);
    const garbage = join(dir, 'garbage.csv');
    await writeFile(garbage, Buffer.from([0x00, 0xff, 0xfe, 0x10, 0x0a, 0x41, 0x0a]));
    const bad = runCli(['predict', garbage]);
    expect(bad.status).toBe(5);
    for (const r of [missing, model, flag, bad]) expect(looksClean(r.stderr)).toBe(true);
  });

  it('on SIGTERM mid-run leaves no output file and exits 143', async () => {
    const out = join(dir, 'killed.csv');
    const child = startCli(['predict', '-', '--format', 'ndjson', '--output', out, '-q']);
    const line = `{"timestamp":"2024-01-15T10:30:00Z","machine_id":"M1","temperature":65.5,"vibration":1.2,"pressure":45,"power":250}\n`;
    child.stdin.write(line.repeat(5000));
    // Wait until the run has opened its temporary output file, then interrupt it mid-run.
    for (let i = 0; i < 200 && !(await readdir(dir)).some((f) => f.includes('killed')); i++)
      await new Promise((r) => setTimeout(r, 50));
    expect((await readdir(dir)).some((f) => f.startsWith('.imind-tmp-killed'))).toBe(true);
    child.kill('SIGTERM');
    const status = await new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    expect(status).toBe(143);
    expect((await readdir(dir)).filter((f) => f.includes('killed'))).toEqual([]);
  });

  it('--help explains the command with examples; --version prints the version', () => {
    const help = runCli(['predict', '--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/--fail-on-anomaly/);
    expect(help.stdout).toMatch(/Examples:/);
    const version = runCli(['--version']);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
