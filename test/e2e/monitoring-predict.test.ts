import { createServer, type Server } from 'node:http';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunReport } from '../../src/monitoring/run-report.js';
import { looksClean, runCli, startCli, type CliResult } from '../helpers/run-cli.js';

let dir: string;
const servers: Server[] = [];
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'imind-e2e-monitoring-'));
});
afterAll(async () => {
  for (const s of servers) s.close();
  await rm(dir, { recursive: true, force: true });
});

/** Runs the built CLI without blocking this process (the fake Pushgateway lives here). */
function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const child = startCli(args, { env });
  child.stdin!.end();
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  return new Promise((resolve) => child.once('close', (status, signal) => resolve({ status, signal, stdout, stderr })));
}

async function fakeGateway(): Promise<{ url: string; received: { method: string; url: string; body: string }[] }> {
  const received: { method: string; url: string; body: string }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      received.push({ method: req.method!, url: req.url!, body });
      res.writeHead(200).end();
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

const readReport = async (path: string) => JSON.parse(await readFile(path, 'utf8')) as RunReport;

describe('imind predict --drift (built CLI)', () => {
  it("shows the leaking sensor's drift rising while the other features stay low", async () => {
    const data = join(dir, 'leak.csv');
    // The default model was trained on exactly this simulation without the fault (npm run model:default).
    const sim = runCli([
      'simulate',
      '--rows',
      '40000',
      '--machines',
      '4',
      '--seed',
      '1',
      '--fault',
      'pressure_leak@1:0+10000',
      '--output',
      data,
      '--quiet',
    ]);
    expect(sim.status).toBe(0);
    const report = join(dir, 'leak-report.json');
    const r = await run(['predict', data, '--drift', '--output', join(dir, 'leak-out.csv'), '--report', report]);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(
      /drift of 40000 readings \(every scored reading\) against the training distribution: alert/,
    );
    expect(r.stderr).toMatch(/^\s+pressure\s+\d+\.\d{4}\s+\d+\.\d%\s+alert$/m);
    for (const name of ['temperature', 'vibration', 'power'])
      expect(r.stderr).toMatch(new RegExp(`^\\s+${name}\\s+0\\.0\\d{3}\\s+.*ok$`, 'm'));
    const drift = (await readReport(report)).drift!;
    const byName = Object.fromEntries(drift.features.map((f) => [f.feature, f]));
    expect(byName.pressure!.psi).toBeGreaterThan(0.25);
    expect(byName.pressure!.out_of_range_rate).toBeGreaterThan(0.1);
    for (const name of ['temperature', 'vibration', 'power']) expect(byName[name]!.psi).toBeLessThan(0.1);
  });
});

describe('imind predict --report (built CLI)', () => {
  it('writes the run report of a run with invalid rows (exit 3)', async () => {
    const report = join(dir, 'bad-rows.json');
    const r = await run(['predict', 'fixtures/bad-rows.csv', '--report', report, '-q']);
    expect(r.status).toBe(3);
    const rep = await readReport(report);
    expect(rep).toMatchObject({
      format: 'imind-run-report/1',
      command: 'predict',
      input: 'fixtures/bad-rows.csv',
      output: null,
      exit_status: 3,
      status: 'invalid_rows',
      error: null,
      model: { schema: 'default', detector: 'autoencoder' },
    });
    expect(rep.rows.read).toBe(rep.rows.scored + rep.rows.invalid);
    expect(rep.rows.invalid).toBeGreaterThan(0);
    expect(Object.values(rep.anomalies_by_machine).reduce((a, b) => a + b, 0)).toBe(rep.rows.anomalous);
    expect(rep.drift?.window_size).toBeNull();
    expect(rep.drift?.readings).toBe(rep.rows.scored);
    expect(rep.model!.version).toMatch(/^ae-/);
    expect(Date.parse(rep.finished_at)).toBeGreaterThanOrEqual(Date.parse(rep.started_at));
  });

  it('writes a report for a failed run too, and the run keeps its exit status', async () => {
    const report = join(dir, 'failed.json');
    const r = await run(['predict', join(dir, 'missing.csv'), '--report', report]);
    expect(r.status).toBe(5);
    expect(looksClean(r.stderr)).toBe(true);
    expect(await readReport(report)).toMatchObject({
      exit_status: 5,
      status: 'failed',
      error: expect.stringMatching(/no such file/),
      rows: { read: 0, scored: 0, invalid: 0, anomalous: 0 },
    });
  });

  it('fails with exit 5 when the report cannot be written', async () => {
    const r = await run([
      'predict',
      'fixtures/sensors.csv',
      '-q',
      '-o',
      join(dir, 'x.csv'),
      '--report',
      join(dir, 'no/such/dir/r.json'),
    ]);
    expect(r.status).toBe(5);
    expect(r.stderr).toMatch(/cannot write the run report .*no such folder/);
  });
});

describe('imind predict --pushgateway (built CLI, a fake Pushgateway on 127.0.0.1)', () => {
  it('PUTs the run figures to URL/metrics/job/JOB/instance/INSTANCE', async () => {
    const gw = await fakeGateway();
    const r = await run([
      'predict',
      'fixtures/sensors.csv',
      '-q',
      '-o',
      join(dir, 'p.csv'),
      '--pushgateway',
      gw.url,
      '--pushgateway-instance',
      'cron-a',
    ]);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    expect(gw.received).toHaveLength(1);
    const push = gw.received[0]!;
    expect(push.method).toBe('PUT');
    expect(push.url).toBe('/metrics/job/imind/instance/cron-a');
    expect(push.body).toMatch(/^imind_run_rows_read 600$/m);
    expect(push.body).toMatch(/^imind_run_rows_scored 600$/m);
    expect(push.body).toMatch(/^imind_run_exit_status 0$/m);
    expect(push.body).toMatch(/^imind_run_feature_drift_psi\{feature="pressure"\} [\d.e-]+$/m);
  });

  it('takes the gateway and job from a config file named by IMIND_CONFIG', async () => {
    const gw = await fakeGateway();
    const config = join(dir, 'imind.json');
    await writeFile(config, JSON.stringify({ pushgateway: gw.url, pushgatewayJob: 'nightly scoring' }));
    const r = await run(['predict', 'fixtures/sensors.csv', '-q', '-o', join(dir, 'c.csv')], { IMIND_CONFIG: config });
    expect(r.status).toBe(0);
    expect(gw.received.map((p) => p.url)).toEqual([
      `/metrics/job@base64/${Buffer.from('nightly scoring').toString('base64url')}`,
    ]);
  });

  it('only warns when the push fails: the run keeps exit 0', async () => {
    const gw = await fakeGateway();
    await new Promise((r) => servers.pop()!.close(r));
    const r = await run(['predict', 'fixtures/sensors.csv', '-q', '-o', join(dir, 'w.csv')], {
      IMIND_PUSHGATEWAY: gw.url,
    });
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(
      /^imind: warning: could not push the run's metrics to http:\/\/127\.0\.0\.1:\d+\/metrics\/job\/imind: /m,
    );
    expect(looksClean(r.stderr)).toBe(true);
  });

  it('refuses a Pushgateway URL that is not http(s) as a usage error', async () => {
    const r = await run(['predict', 'fixtures/sensors.csv', '--pushgateway', 'ftp://example']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/invalid value for --pushgateway/);
  });
});
