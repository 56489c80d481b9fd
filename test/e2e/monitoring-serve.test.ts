import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMetricsText } from '../../src/monitoring/pushgateway.js';
import { emptyReport } from '../../src/monitoring/run-report.js';
import { repoRoot, startCli } from '../helpers/run-cli.js';
import { metricNames, samples, total } from '../integration/monitoring-fixtures.js';
import { fitTestModel, reading, viaHttp } from '../integration/server-fixtures.js';

let dir: string;
let modelPath: string;
beforeAll(async () => {
  ({ dir, path: modelPath } = await fitTestModel());
});
const started = new Set<ChildProcess>();
afterAll(async () => {
  // A failed test must not leave a server behind.
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

interface Serving {
  child: ChildProcess;
  url: string;
  stderr: () => string;
  stop: () => Promise<number | null>;
}

/** `imind serve --port 0 ...` until GET /ready answers 200 (the URL comes from the JSON or pretty log line). */
async function serve(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Serving> {
  const child = startCli(['serve', '--port', '0', '--model', modelPath, ...args], { env });
  started.add(child);
  let err = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr!.on('data', (c: Buffer) => {
      err += c.toString('utf8');
      const m = /listening on (http:\/\/[\d.:]+)/.exec(err);
      if (m) resolve(m[1]!);
    });
    child.once('exit', () => reject(new Error(`exited before listening:\n${err}`)));
  });
  for (;;) {
    const res = await fetch(`${url}/ready`).catch(() => null);
    if (res?.status === 200) break;
    await res?.arrayBuffer();
    await new Promise((r) => setTimeout(r, 20));
  }
  const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return {
    child,
    url,
    stderr: () => err,
    stop: () => {
      child.kill('SIGTERM');
      return exit;
    },
  };
}

/** Each request on a new connection (agent: false), so that node:cluster deals them out to every worker. */
const post = (base: string, url: string, body: object) => viaHttp(base, { method: 'POST', url, body });

describe('imind serve --workers 2: /metrics summed over the workers', () => {
  let s: Serving;
  let scrapes: Map<string, number>[];
  let text: string;

  beforeAll(async () => {
    s = await serve(['--workers', '2']);
    // Both workers must be ready before traffic, or the first one would take it all.
    while ((s.stderr().match(/model loaded and tested: ready/g) ?? []).length < 2)
      await new Promise((r) => setTimeout(r, 20));
    for (let i = 0; i < 12; i++)
      expect((await post(s.url, '/predict', reading({ machine_id: `M${i % 3}` }))).status).toBe(200);
    for (let i = 0; i < 2; i++)
      expect(
        (await post(s.url, '/predict/batch', { readings: Array.from({ length: 5 }, () => reading()) })).status,
      ).toBe(200);
    scrapes = [];
    for (let i = 0; i < 4; i++) {
      const reply = await viaHttp(s.url, { url: '/metrics' });
      expect(reply.status).toBe(200);
      text = reply.text;
      scrapes.push(samples(text));
    }
  });
  afterAll(async () => {
    expect(await s.stop()).toBe(0);
  });

  it('served the traffic from both processes', () => {
    const pids = new Set(
      s
        .stderr()
        .split('\n')
        .filter((l) => l.includes('"msg":"request"') && l.includes('"route":"/predict"'))
        .map((l) => (JSON.parse(l) as { pid: number }).pid),
    );
    expect(pids.size).toBe(2);
  });

  it('answers every scrape, whichever worker takes it, with the counts of all workers', () => {
    for (const m of scrapes) {
      expect(total(m, 'imind_predictions_total')).toBe(22);
      expect(total(m, 'imind_predictions_total', { machine_id: 'M0' })).toBe(4);
      expect(m.get('imind_http_requests_total{method="POST",route="/predict",status="200"}')).toBe(12);
      expect(m.get('imind_http_requests_total{method="POST",route="/predict/batch",status="200"}')).toBe(2);
      expect(m.get('imind_inference_batch_size_sum')).toBe(22);
      expect(m.get('imind_ready')).toBe(1);
      expect(m.get('imind_drift_window_readings')).toBe(22);
    }
    expect(total(scrapes[3]!, 'imind_http_requests_total', { route: '/metrics' })).toBe(3);
  });

  it('merges the drift windows of the workers in GET /monitoring/drift', async () => {
    const drift = (await viaHttp(s.url, { url: '/monitoring/drift' })).json();
    expect(drift).toMatchObject({ processes: 2, window_size: 2000, readings: 22, status: 'insufficient_data' });
  });

  it('names in the Grafana dashboard and the alert rules only metrics the app exports', async () => {
    const exported = metricNames(text);
    const report = emptyReport('in.csv', null, new Date());
    report.model = { path: 'm', version: 'v', schema: 'default', detector: 'autoencoder', threshold: 1 };
    for (const name of metricNames(await runMetricsText(report, 10))) exported.add(name);
    expect(exported.has('process_cpu_seconds_total')).toBe(true);
    const known = (name: string) =>
      exported.has(name) || exported.has(name.replace(/_(bucket|sum|count)$/, '')) || name === 'up';

    const dashboard = JSON.parse(readFileSync(join(repoRoot, 'ops/grafana/imind-dashboard.json'), 'utf8')) as {
      panels: { title: string; type: string; targets?: { expr: string }[] }[];
    };
    const panelExprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
    expect(panelExprs.length).toBeGreaterThan(20);

    const rules = readFileSync(join(repoRoot, 'ops/prometheus/imind-alerts.yml'), 'utf8');
    const ruleExprs = [...rules.matchAll(/^\s+expr: (.+)$/gm)].map((m) => m[1]!);
    const alerts = [...rules.matchAll(/^\s+- alert: (\w+)$/gm)].map((m) => m[1]!);
    expect(ruleExprs).toHaveLength(alerts.length);
    for (const a of [
      'ImindNotReady',
      'ImindHigh5xxRate',
      'ImindHighLatency',
      'ImindMachineAnomalyRate',
      'ImindFeatureDrift',
    ])
      expect(alerts).toContain(a);

    const used = new Set<string>();
    for (const expr of [...panelExprs, ...ruleExprs]) {
      const names = [...expr.matchAll(/\b(?:imind|process|nodejs)_[a-z0-9_]+\b|\bup(?=\{)/g)].map((m) => m[0]);
      expect(names.length, expr).toBeGreaterThan(0);
      for (const name of names) {
        expect(known(name), `${name} in ${expr}`).toBe(true);
        used.add(name);
      }
    }
    // the key series are on the dashboard or in the rules
    for (const name of [
      'imind_http_requests_total',
      'imind_http_request_duration_seconds_bucket',
      'imind_predictions_total',
      'imind_feature_drift_psi',
      'imind_ready',
      'imind_model_info',
      'imind_run_exit_status',
    ])
      expect(used.has(name), name).toBe(true);
  });
});

describe('imind serve settings: environment, config file, flags', () => {
  it('takes the log format from a config file and the metrics switch from IMIND_METRICS', async () => {
    const config = join(dir, 'serve.json');
    await writeFile(config, JSON.stringify({ logFormat: 'pretty', logLevel: 'info' }));
    const s = await serve(['--config', config], { IMIND_METRICS: '0' });
    expect((await viaHttp(s.url, { url: '/metrics' })).status).toBe(404);
    expect((await post(s.url, '/predict', reading())).status).toBe(200);
    expect(await s.stop()).toBe(0);
    expect(s.stderr()).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO  listening on http/m);
    expect(s.stderr()).toMatch(
      /^\d\d:\d\d:\d\d\.\d{3} INFO  request request_id=\S+ method=POST route=\/predict status=200 /m,
    );
    expect(s.stderr()).not.toMatch(/^\{/m);
  });

  it('lets typed flags override the environment', async () => {
    const s = await serve(['--log-format', 'json', '--log-level', 'info'], {
      IMIND_LOG_FORMAT: 'pretty',
      IMIND_LOG_LEVEL: 'warn',
    });
    expect((await post(s.url, '/predict', reading())).status).toBe(200);
    expect(await s.stop()).toBe(0);
    const lines = s.stderr().trim().split('\n');
    for (const line of lines) expect(() => JSON.parse(line), line).not.toThrow();
    expect(lines.some((l) => l.includes('"msg":"request"'))).toBe(true);
  });

  it('refuses a bad environment value with a usage error (exit 2)', async () => {
    const child = startCli(['serve', '--port', '0', '--model', modelPath], { env: { IMIND_DRIFT_WINDOW: 'lots' } });
    started.add(child);
    let err = '';
    child.stderr!.on('data', (c: Buffer) => (err += c.toString('utf8')));
    const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    expect(code).toBe(2);
    expect(err).toMatch(/invalid value for IMIND_DRIFT_WINDOW/);
  });
});
