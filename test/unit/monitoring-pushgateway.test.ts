import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { pushMetrics, pushUrl, runMetricsText } from '../../src/monitoring/pushgateway.js';
import { emptyReport, runStatus, type RunReport } from '../../src/monitoring/run-report.js';

interface Received {
  method: string;
  url: string;
  type: string | undefined;
  body: string;
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** A tiny stand-in for a Pushgateway on 127.0.0.1 that records what it receives. */
async function fakeGateway(status = 200): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      received.push({ method: req.method!, url: req.url!, type: req.headers['content-type'], body });
      res.writeHead(status).end(status === 200 ? '' : 'bad metrics');
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

function report(): RunReport {
  const r = emptyReport('in.csv', null, new Date('2024-01-15T10:00:00Z'));
  r.finished_at = '2024-01-15T10:00:02.000Z';
  r.duration_seconds = 2;
  r.rows = { read: 10, scored: 9, invalid: 1, anomalous: 3 };
  r.anomalies_by_machine = { M1: 1, M2: 1, M3: 1 };
  r.exit_status = 3;
  r.status = runStatus(3);
  r.model = { path: 'm', version: 'ae-1', schema: 'default', detector: 'autoencoder', threshold: 1 };
  return r;
}

describe('Pushgateway push', () => {
  it('builds the grouping-key URL, base64-encoding values that are not URL-safe', () => {
    expect(pushUrl({ url: 'http://gw:9091/', job: 'imind' })).toBe('http://gw:9091/metrics/job/imind');
    expect(pushUrl({ url: 'http://gw:9091', job: 'imind', instance: 'host-1' })).toBe(
      'http://gw:9091/metrics/job/imind/instance/host-1',
    );
    expect(pushUrl({ url: 'http://gw:9091', job: 'a/b' })).toBe(
      `http://gw:9091/metrics/job@base64/${Buffer.from('a/b').toString('base64url')}`,
    );
  });

  it('renders the run as imind_run_* gauges with machines capped', async () => {
    const text = await runMetricsText(report(), 2);
    expect(text).toContain('imind_run_rows_read 10');
    expect(text).toContain('imind_run_rows_invalid 1');
    expect(text).toContain('imind_run_exit_status 3');
    expect(text).toContain('imind_run_anomalies{machine_id="M1"} 1');
    expect(text).toContain('imind_run_anomalies{machine_id="_other"} 1');
    expect(text).toContain('imind_run_last_timestamp_seconds 1705312802');
    expect(text).toContain('imind_run_model_info{version="ae-1",schema="default",detector="autoencoder"} 1');
  });

  it('PUTs the text format to URL/metrics/job/JOB/instance/INSTANCE', async () => {
    const gw = await fakeGateway();
    const text = await runMetricsText(report(), 10);
    const result = await pushMetrics({ url: gw.url, job: 'imind', instance: 'cron-1' }, text);
    expect(result.ok).toBe(true);
    expect(gw.received).toEqual([
      {
        method: 'PUT',
        url: '/metrics/job/imind/instance/cron-1',
        type: expect.stringMatching(/^text\/plain/),
        body: text,
      },
    ]);
  });

  it('reports a refused push or an unreachable gateway as a result, never a throw', async () => {
    const gw = await fakeGateway(400);
    const refused = await pushMetrics({ url: gw.url, job: 'imind' }, 'x 1\n');
    expect(refused).toMatchObject({ ok: false, reason: 'HTTP 400: bad metrics' });
    const closed = await fakeGateway();
    await new Promise((r) => servers.pop()!.close(r));
    const unreachable = await pushMetrics({ url: closed.url, job: 'imind', timeoutMs: 2000 }, 'x 1\n');
    expect(unreachable.ok).toBe(false);
  });
});
