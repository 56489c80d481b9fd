import type { Registry } from 'prom-client';

/**
 * Metrics whose hot path is a field increment: prom-client's own metric classes
 * validate and hash their labels on every call, which costs more per request
 * than the rest of the bookkeeping together. These objects keep plain numbers
 * and turn them into prom-client's metric JSON only when scraped, so prom-client's
 * Registry renders them (text format) and AggregatorRegistry.aggregate sums them
 * across cluster workers like its own.
 */

export type Aggregator = 'sum' | 'first' | 'min' | 'max' | 'average' | 'omit';
export type Labels = Record<string, string | number>;

export interface MetricValue {
  value: number;
  labels: Labels;
  metricName?: string;
}

/** What prom-client's Registry reads from a metric (`metric.get()`), and sends between cluster processes. */
export interface MetricJson {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  values: MetricValue[];
  aggregator: Aggregator;
}

export interface FastMetric {
  readonly name: string;
  readonly help: string;
  readonly type: MetricJson['type'];
  readonly aggregator: Aggregator;
  get(): MetricJson;
}

/** Registers fast metrics with a prom-client registry (which takes any object with name and get()). */
export function registerAll(registry: Registry, metrics: readonly FastMetric[]): void {
  // prom-client types registerMetric for its own classes; at run time it needs only name/help/type/get.
  for (const m of metrics) registry.registerMetric(m as unknown as Parameters<Registry['registerMetric']>[0]);
}

export class CounterChild {
  value = 0;
  constructor(readonly labels: Labels) {}
  inc(by = 1): void {
    this.value += by;
  }
}

/** A counter whose label sets are created once (child()) and then incremented directly. */
export class FastCounter implements FastMetric {
  readonly type = 'counter';
  readonly aggregator = 'sum';
  private readonly children = new Map<string, CounterChild>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly string[] = [],
  ) {}

  /** The child for these label values (in labelNames order); cache it, do not call per event. */
  child(...values: string[]): CounterChild {
    const key = values.join('\u0000');
    let child = this.children.get(key);
    if (!child) {
      const labels: Labels = {};
      this.labelNames.forEach((n, i) => (labels[n] = values[i] ?? ''));
      child = new CounterChild(labels);
      this.children.set(key, child);
    }
    return child;
  }

  get(): MetricJson {
    const values: MetricValue[] = [];
    for (const c of this.children.values()) values.push({ value: c.value, labels: { ...c.labels } });
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }
}

export class HistogramChild {
  /** counts[i]: observations in (bounds[i-1], bounds[i]]; the last one is (last bound, +Inf). */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(
    readonly labels: Labels,
    private readonly bounds: Float64Array,
  ) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    if (value !== value) return; // NaN: nothing to count
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    this.counts[i]!++;
    this.sum += value;
    this.count++;
  }
}

export class FastHistogram implements FastMetric {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly bounds: Float64Array;
  private readonly children = new Map<string, HistogramChild>();

  constructor(
    readonly name: string,
    readonly help: string,
    buckets: readonly number[],
    private readonly labelNames: readonly string[] = [],
  ) {
    this.bounds = Float64Array.from(buckets);
  }

  child(...values: string[]): HistogramChild {
    const key = values.join('\u0000');
    let child = this.children.get(key);
    if (!child) {
      const labels: Labels = {};
      this.labelNames.forEach((n, i) => (labels[n] = values[i] ?? ''));
      child = new HistogramChild(labels, this.bounds);
      this.children.set(key, child);
    }
    return child;
  }

  get(): MetricJson {
    const values: MetricValue[] = [];
    for (const c of this.children.values()) {
      let cumulative = 0;
      for (let i = 0; i <= this.bounds.length; i++) {
        cumulative += c.counts[i]!;
        const le = i < this.bounds.length ? this.bounds[i]! : '+Inf';
        values.push({ value: cumulative, labels: { ...c.labels, le }, metricName: `${this.name}_bucket` });
      }
      values.push({ value: c.sum, labels: { ...c.labels }, metricName: `${this.name}_sum` });
      values.push({ value: c.count, labels: { ...c.labels }, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }
}

/** A gauge read when scraped: `collect` returns its current values. */
export class CallbackGauge implements FastMetric {
  readonly type = 'gauge';

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly collect: () => MetricValue[],
    readonly aggregator: Aggregator = 'sum',
  ) {}

  get(): MetricJson {
    return { name: this.name, help: this.help, type: this.type, values: this.collect(), aggregator: this.aggregator };
  }
}
