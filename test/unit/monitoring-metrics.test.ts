import { AggregatorRegistry, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { FastCounter, FastHistogram, registerAll } from '../../src/monitoring/fast-metrics.js';
import { MachineLabels } from '../../src/monitoring/machine-labels.js';
import { ServerMetrics } from '../../src/monitoring/server-metrics.js';
import type { Prediction } from '../../src/model/prediction.js';
import type { Reading } from '../../src/schema/reading.js';
import { formatPretty } from '../../src/server/logging-setup.js';
import { samples } from '../integration/monitoring-fixtures.js';

const reading = (machineId: string): Reading => ({ row: 1, timestamp: 0, machineId, values: new Float64Array(4) });
const prediction = (machineId: string, score: number, isAnomaly: boolean): Prediction => ({
  row: 1,
  timestamp: 0,
  machineId,
  isAnomaly,
  score,
  threshold: 1,
  confidence: 0.5,
  contributions: new Float64Array(4),
});

describe('fast metrics in a prom-client registry', () => {
  it('renders histograms with cumulative buckets, sum and count', async () => {
    const registry = new Registry();
    const h = new FastHistogram('t_seconds', 'help', [0.1, 1], ['route']);
    registerAll(registry, [h]);
    const child = h.child('/x');
    for (const v of [0.05, 0.1, 0.5, 3, Number.NaN]) child.observe(v);
    const s = samples(await registry.metrics());
    expect(s.get('t_seconds_bucket{le="0.1",route="/x"}')).toBe(2);
    expect(s.get('t_seconds_bucket{le="1",route="/x"}')).toBe(3);
    expect(s.get('t_seconds_bucket{le="+Inf",route="/x"}')).toBe(4);
    expect(s.get('t_seconds_count{route="/x"}')).toBe(4);
    expect(s.get('t_seconds_sum{route="/x"}')).toBeCloseTo(3.65);
    expect(await registry.metrics()).toContain('# TYPE t_seconds histogram');
  });

  it('sums counters and histograms of several processes with AggregatorRegistry', async () => {
    const json = [];
    for (const n of [2, 3]) {
      const registry = new Registry();
      const c = new FastCounter('c_total', 'help', ['k']);
      const h = new FastHistogram('h', 'help', [1]);
      registerAll(registry, [c, h]);
      c.child('a').inc(n);
      for (let i = 0; i < n; i++) h.child().observe(0.5);
      json.push(await registry.getMetricsAsJSON());
    }
    const s = samples(await AggregatorRegistry.aggregate(json).metrics());
    expect(s.get('c_total{k="a"}')).toBe(5);
    expect(s.get('h_bucket{le="1"}')).toBe(5);
    expect(s.get('h_count')).toBe(5);
  });

  it('caps machine label values and counts the rest under _other', async () => {
    const registry = new Registry();
    const counter = new FastCounter('p_total', 'help', ['machine_id', 'outcome']);
    registerAll(registry, [counter]);
    const labels = new MachineLabels(counter, 2);
    for (const id of ['m1', 'm2', 'm3', 'm4', 'm1', 'm3']) labels.count(id, 0);
    labels.count('m5', 1, 10);
    const s = samples(await registry.metrics());
    expect(s.get('p_total{machine_id="m1",outcome="normal"}')).toBe(2);
    expect(s.get('p_total{machine_id="m2",outcome="normal"}')).toBe(1);
    expect(s.get('p_total{machine_id="_other",outcome="normal"}')).toBe(3);
    expect(s.get('p_total{machine_id="_other",outcome="anomaly"}')).toBe(10);
    expect([...s.keys()].filter((k) => k.startsWith('p_total'))).toHaveLength(4);
    expect(labels.size).toBe(2);
  });
});

describe('ServerMetrics', () => {
  it('counts every prediction of a model call, by machine and outcome, and labels methods it does not know as other', async () => {
    const m = new ServerMetrics({ machineLabelLimit: 10 });
    const readings = ['A', 'A', 'B'].map(reading);
    m.recordInference(0.001, readings, [
      prediction('A', 0.1, false),
      prediction('A', 5, true),
      prediction('B', 0.2, false),
    ]);
    m.route('/predict').record('POST', 200, 0.002);
    m.route('/predict').record('BREW', 405, 0.001);
    const s = samples(await m.text());
    expect(s.get('imind_predictions_total{machine_id="A",outcome="normal"}')).toBe(1);
    expect(s.get('imind_predictions_total{machine_id="A",outcome="anomaly"}')).toBe(1);
    expect(s.get('imind_predictions_total{machine_id="B",outcome="normal"}')).toBe(1);
    expect(s.get('imind_inference_batch_size_sum')).toBe(3);
    expect(s.get('imind_anomaly_score_count')).toBe(3);
    expect(s.get('imind_http_requests_total{method="POST",route="/predict",status="200"}')).toBe(1);
    expect(s.get('imind_http_requests_total{method="other",route="/predict",status="405"}')).toBe(1);
    expect(s.get('imind_ready')).toBe(0);
  });
});

describe('pretty logs', () => {
  it('turns a pino JSON line into time, level, message and key=value pairs', () => {
    const line = JSON.stringify({
      level: 30,
      time: '2024-01-15T10:30:00.123Z',
      pid: 1,
      request_id: 'r-1',
      route: '/predict',
      status: 200,
      detail: 'two words',
      msg: 'request',
    });
    expect(formatPretty(line)).toBe(
      '10:30:00.123 INFO  request request_id=r-1 route=/predict status=200 detail="two words"\n',
    );
    expect(formatPretty('not json')).toBe('not json\n');
  });
});
