import { Registry } from 'prom-client';
import { describeError } from '../errors.js';
import { CallbackGauge, registerAll, type MetricValue } from './fast-metrics.js';
import { OTHER_MACHINES } from './machine-labels.js';
import type { RunReport } from './run-report.js';

/**
 * A batch run's figures for a Prometheus Pushgateway: gauges of the last run
 * (a push replaces the group's previous values), named imind_run_*.
 */
export function runMetricsText(report: RunReport, machineLabelLimit: number): Promise<string> {
  const registry = new Registry();
  const one = (value: number, labels: MetricValue['labels'] = {}): MetricValue[] => [{ value, labels }];
  const gauge = (name: string, help: string, values: () => MetricValue[]) => new CallbackGauge(name, help, values);
  const machines: MetricValue[] = [];
  let other = 0;
  for (const [id, n] of Object.entries(report.anomalies_by_machine)) {
    if (machines.length < machineLabelLimit) machines.push({ value: n, labels: { machine_id: id } });
    else other += n;
  }
  if (other > 0) machines.push({ value: other, labels: { machine_id: OTHER_MACHINES } });
  const drift = report.drift && report.drift.status !== 'insufficient_data' ? report.drift.features : [];
  const model = report.model;
  registerAll(registry, [
    gauge('imind_run_rows_read', 'Rows read by the last run', () => one(report.rows.read)),
    gauge('imind_run_rows_scored', 'Rows scored by the last run', () => one(report.rows.scored)),
    gauge('imind_run_rows_invalid', 'Invalid rows in the last run', () => one(report.rows.invalid)),
    gauge('imind_run_rows_anomalous', 'Anomalous readings in the last run', () => one(report.rows.anomalous)),
    gauge(
      'imind_run_anomalies',
      'Anomalous readings in the last run by machine (capped, then "_other")',
      () => machines,
    ),
    gauge('imind_run_feature_drift_psi', 'PSI of each feature in the last run against the training distribution', () =>
      drift.map((f) => ({ value: f.psi, labels: { feature: f.feature } })),
    ),
    gauge('imind_run_feature_out_of_range_ratio', 'Share of each feature’s values outside the training range', () =>
      drift.map((f) => ({ value: f.out_of_range_rate, labels: { feature: f.feature } })),
    ),
    gauge('imind_run_duration_seconds', 'Duration of the last run', () => one(report.duration_seconds)),
    gauge('imind_run_exit_status', 'Exit status of the last run (0 ok, 3 invalid rows, 4 anomalies, else failed)', () =>
      one(report.exit_status),
    ),
    gauge('imind_run_last_timestamp_seconds', 'When the last run finished (Unix time)', () =>
      one(Date.parse(report.finished_at) / 1000),
    ),
    gauge('imind_run_model_info', 'The model of the last run (value 1)', () =>
      model ? one(1, { version: model.version, schema: model.schema, detector: model.detector }) : [],
    ),
  ]);
  return registry.metrics();
}

export interface PushTarget {
  /** The Pushgateway's base URL, e.g. http://pushgateway:9091. */
  url: string;
  job: string;
  instance?: string;
  timeoutMs?: number;
}

export type PushResult = { ok: true; url: string } | { ok: false; url: string; reason: string };

/** A grouping-key path segment: plain when URL-safe, else the Pushgateway's `@base64` form. */
function segment(name: string, value: string): string {
  if (/^[A-Za-z0-9._~-]+$/.test(value)) return `${name}/${value}`;
  return `${name}@base64/${Buffer.from(value, 'utf8').toString('base64url') || '='}`;
}

/** The push URL: URL/metrics/job/JOB[/instance/INSTANCE]. */
export function pushUrl(target: PushTarget): string {
  const base = target.url.replace(/\/+$/, '');
  let path = `/metrics/${segment('job', target.job)}`;
  if (target.instance) path += `/${segment('instance', target.instance)}`;
  return base + path;
}

/** PUTs the text to the Pushgateway (replacing the group); never throws: a failure is reported as a result. */
export async function pushMetrics(target: PushTarget, text: string): Promise<PushResult> {
  const url = pushUrl(target);
  try {
    const response = await fetch(url, {
      method: 'PUT',
      headers: { 'content-type': Registry.PROMETHEUS_CONTENT_TYPE },
      body: text,
      signal: AbortSignal.timeout(target.timeoutMs ?? 5000),
    });
    const body = await response.text().catch(() => '');
    if (response.ok) return { ok: true, url };
    return { ok: false, url, reason: `HTTP ${response.status}${body ? `: ${body.trim().slice(0, 200)}` : ''}` };
  } catch (error) {
    const cause = (error as { cause?: unknown }).cause;
    const reason =
      (error as Error).name === 'TimeoutError'
        ? `no answer within ${target.timeoutMs ?? 5000} ms`
        : describeError(cause instanceof Error ? cause : error);
    return { ok: false, url, reason };
  }
}
