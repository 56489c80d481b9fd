import { Registry, collectDefaultMetrics } from 'prom-client';
import type { Prediction } from '../model/prediction.js';
import type { Reading } from '../schema/reading.js';
import {
  DEFAULT_DRIFT_THRESHOLDS,
  DriftTracker,
  type DriftReference,
  type DriftReport,
  type DriftThresholds,
} from './drift.js';
import { driftGauges } from './drift-metrics.js';
import {
  CallbackGauge,
  FastCounter,
  FastHistogram,
  registerAll,
  type CounterChild,
  type HistogramChild,
  type MetricJson,
} from './fast-metrics.js';
import { MachineLabels } from './machine-labels.js';

export interface ServerMetricsOptions {
  /** Most distinct machine_id label values; the rest are counted under "_other". */
  machineLabelLimit: number;
  /** Readings in the drift window (per process). */
  driftWindow: number;
  driftThresholds: DriftThresholds;
  /** Node process metrics (CPU, memory, event loop, GC): on for `imind serve`, off in tests by default. */
  processMetrics: boolean;
  /** True in a cluster worker: drift gauges are left to the primary, which merges every worker's counts. */
  clusterWorker: boolean;
}

export const DEFAULT_SERVER_METRICS: ServerMetricsOptions = {
  machineLabelLimit: 100,
  driftWindow: 1000,
  driftThresholds: DEFAULT_DRIFT_THRESHOLDS,
  processMetrics: false,
  clusterWorker: false,
};

/** What the metrics say about the served model. */
export interface ModelInfo {
  version: string;
  schema: string;
  detector: string;
  threshold: number;
  /** Training distributions for drift; null when the model has none. */
  references: DriftReference[] | null;
}

const HTTP_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const INFERENCE_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];
const BATCH_BUCKETS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 5000];
const SCORE_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 1000];

/** Methods get their own label value; any other is "other" (a client cannot grow the series). */
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'];

/** Status of a response the client gave up on before it was sent (nginx's convention). */
export const CLIENT_CLOSED = 499;

/** One route's pre-bound series: counters by method and status, duration by method. */
export class RouteMetrics {
  private readonly counts = new Map<number, CounterChild>();
  private readonly durations: (HistogramChild | undefined)[] = [];

  constructor(
    private readonly route: string,
    private readonly requests: FastCounter,
    private readonly duration: FastHistogram,
  ) {}

  record(method: string | undefined, status: number, seconds: number): void {
    let m = METHODS.indexOf(method ?? '');
    if (m < 0) m = METHODS.length;
    const key = m * 1000 + status;
    let counter = this.counts.get(key);
    if (!counter) {
      counter = this.requests.child(METHODS[m] ?? 'other', this.route, String(status));
      this.counts.set(key, counter);
    }
    counter.value++;
    const histogram = (this.durations[m] ??= this.duration.child(METHODS[m] ?? 'other', this.route));
    histogram.observe(seconds);
  }
}

/**
 * The metrics of `imind serve` (one registry per app): HTTP traffic by route
 * template, inference, predictions per machine and outcome, anomaly scores,
 * model info, readiness, data drift, and optionally the Node process metrics.
 * Every hot-path update is a field increment on a pre-bound series.
 */
export class ServerMetrics {
  readonly registry = new Registry();
  readonly options: ServerMetricsOptions;
  inFlight = 0;
  drift: DriftTracker | null = null;
  private model: ModelInfo | null = null;
  private ready: () => boolean = () => false;
  private readonly routes = new Map<string, RouteMetrics>();
  private readonly requests = new FastCounter(
    'imind_http_requests_total',
    'HTTP requests answered, by method, route template and status',
    ['method', 'route', 'status'],
  );
  private readonly duration = new FastHistogram(
    'imind_http_request_duration_seconds',
    'Time from request to the end of the response, by method and route template',
    HTTP_BUCKETS,
    ['method', 'route'],
  );
  private readonly inferenceSeconds: HistogramChild;
  private readonly batchSize: HistogramChild;
  private readonly inferenceErrors: CounterChild;
  private readonly scores: HistogramChild;
  private readonly machines: MachineLabels;

  constructor(options: Partial<ServerMetricsOptions> = {}) {
    this.options = { ...DEFAULT_SERVER_METRICS, ...options };
    const inference = new FastHistogram(
      'imind_inference_duration_seconds',
      'Duration of one model call (a micro-batch of single requests, or one /predict/batch)',
      INFERENCE_BUCKETS,
    );
    const batch = new FastHistogram('imind_inference_batch_size', 'Readings scored per model call', BATCH_BUCKETS);
    const errors = new FastCounter('imind_inference_errors_total', 'Model calls that failed');
    const predictions = new FastCounter(
      'imind_predictions_total',
      'Readings scored, by machine (capped, then "_other") and outcome (normal, anomaly, warming_up)',
      ['machine_id', 'outcome'],
    );
    const scores = new FastHistogram('imind_anomaly_score', 'Anomaly scores of scored readings', SCORE_BUCKETS);
    this.inferenceSeconds = inference.child();
    this.batchSize = batch.child();
    this.inferenceErrors = errors.child();
    this.scores = scores.child();
    this.machines = new MachineLabels(predictions, this.options.machineLabelLimit);
    registerAll(this.registry, [
      this.requests,
      this.duration,
      new CallbackGauge('imind_http_requests_in_flight', 'Requests being handled now', () => [
        { value: this.inFlight, labels: {} },
      ]),
      inference,
      batch,
      errors,
      predictions,
      scores,
      new CallbackGauge(
        'imind_anomaly_threshold',
        'The served model’s anomaly threshold (scores above it are anomalies)',
        () => (this.model ? [{ value: this.model.threshold, labels: {} }] : []),
        'max',
      ),
      new CallbackGauge(
        'imind_model_info',
        'The served model (value 1)',
        () => {
          const m = this.model;
          return m ? [{ value: 1, labels: { version: m.version, schema: m.schema, detector: m.detector } }] : [];
        },
        'max',
      ),
      new CallbackGauge(
        'imind_ready',
        '1 when the model is loaded and tested and the server is not stopping (with workers: all of them)',
        () => [{ value: this.ready() ? 1 : 0, labels: {} }],
        'min',
      ),
      ...driftGauges(() => this.driftReport(), this.options.clusterWorker ? 'omit' : 'first'),
    ]);
    if (this.options.processMetrics) collectDefaultMetrics({ register: this.registry });
  }

  /** The series of one route template ("unknown" for paths no route matched). */
  route(template: string): RouteMetrics {
    let r = this.routes.get(template);
    if (!r) {
      r = new RouteMetrics(template, this.requests, this.duration);
      this.routes.set(template, r);
    }
    return r;
  }

  setReadiness(ready: () => boolean): void {
    this.ready = ready;
  }

  setModel(info: ModelInfo): void {
    this.model = info;
    this.drift = info.references ? new DriftTracker(info.references, this.options.driftWindow) : null;
  }

  /**
   * One successful model call: its duration, size, every prediction's outcome and score, and (withDrift) the
   * readings into the drift window, which holds the served model's inputs only.
   */
  recordInference(
    seconds: number,
    readings: readonly Reading[],
    predictions: readonly Prediction[],
    withDrift = true,
  ): void {
    this.inferenceSeconds.observe(seconds);
    this.batchSize.observe(readings.length);
    const machines = this.machines;
    const scores = this.scores;
    for (let i = 0; i < predictions.length; i++) {
      const p = predictions[i]!;
      machines.count(p.machineId, p.status === 'warming_up' ? 2 : p.isAnomaly ? 1 : 0);
      scores.observe(p.score);
    }
    const drift = withDrift ? this.drift : null;
    if (drift) for (let i = 0; i < readings.length; i++) drift.add(readings[i]!.values);
  }

  recordInferenceError(): void {
    this.inferenceErrors.value++;
  }

  driftReport(): DriftReport | null {
    return this.drift ? this.drift.report(this.options.driftThresholds) : null;
  }

  /** Prometheus text of this process's metrics. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  /** This process's metrics as prom-client JSON (for the cluster primary to aggregate). */
  async json(): Promise<MetricJson[]> {
    return (await this.registry.getMetricsAsJSON()) as unknown as MetricJson[];
  }
}
