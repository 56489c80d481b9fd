import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry, Registry } from 'prom-client';
import {
  driftReport,
  mergeSnapshots,
  type DriftReference,
  type DriftReport,
  type DriftSnapshot,
  type DriftThresholds,
} from '../monitoring/drift.js';
import { driftGauges } from '../monitoring/drift-metrics.js';
import { registerAll, type MetricJson } from '../monitoring/fast-metrics.js';
import type { ServerMetrics } from '../monitoring/server-metrics.js';

/**
 * `imind serve --workers N`: whichever worker answers GET /metrics or
 * GET /monitoring/drift asks the primary, which collects every worker's
 * metrics (prom-client JSON) and drift counts over IPC, sums them
 * (AggregatorRegistry.aggregate: counters and histograms summed, gauges by
 * their aggregator) and merges the drift windows before computing PSI.
 */

const VIEW_REQUEST = 'imind:metrics-view';
const VIEW_RESPONSE = 'imind:metrics-view-result';
const COLLECT = 'imind:metrics-collect';
const COLLECTED = 'imind:metrics-collected';
/** How long the primary waits for workers (a stuck or dying one is left out) and a worker for the primary. */
const PRIMARY_WAIT_MS = 2000;
const WORKER_WAIT_MS = 4000;

export interface ClusterView {
  text: string;
  drift: DriftReport | null;
  processes: number;
}

interface Collected {
  metrics: MetricJson[];
  drift: DriftSnapshot | null;
  references: DriftReference[] | null;
  thresholds: DriftThresholds;
}

type Message = { type?: unknown; id?: unknown } & Record<string, unknown>;

/** In a worker: answers the primary's collect requests from this process's metrics. Returns the remover. */
export function answerCollectRequests(metrics: ServerMetrics): () => void {
  const onMessage = (message: Message): void => {
    if (message?.type !== COLLECT) return;
    void (async () => {
      const drift = metrics.drift;
      const collected: Collected = {
        metrics: await metrics.json(),
        drift: drift ? drift.snapshot() : null,
        references: drift ? [...drift.references] : null,
        thresholds: metrics.options.driftThresholds,
      };
      process.send?.({ type: COLLECTED, id: message.id, collected });
    })().catch(() => undefined);
  };
  process.on('message', onMessage);
  return () => process.off('message', onMessage);
}

let nextId = 0;

/** In a worker: the whole cluster's metrics from the primary; null when it did not answer in time. */
export function requestClusterView(): Promise<ClusterView | null> {
  if (!process.send) return Promise.resolve(null);
  const id = nextId++;
  return new Promise((resolve) => {
    const done = (view: ClusterView | null): void => {
      clearTimeout(timer);
      process.off('message', onMessage);
      resolve(view);
    };
    const onMessage = (message: Message): void => {
      if (message?.type === VIEW_RESPONSE && message.id === id) done(message.view as ClusterView);
    };
    const timer = setTimeout(() => done(null), WORKER_WAIT_MS);
    process.on('message', onMessage);
    process.send!({ type: VIEW_REQUEST, id });
  });
}

/** In the primary: serves workers' view requests. Returns the remover. */
export function serveClusterMetrics(): () => void {
  const onMessage = (worker: Worker, message: Message): void => {
    if (message?.type !== VIEW_REQUEST) return;
    void collectAll().then(
      (view) => {
        if (worker.isConnected()) worker.send({ type: VIEW_RESPONSE, id: message.id, view });
      },
      () => undefined,
    );
  };
  cluster.on('message', onMessage);
  return () => cluster.off('message', onMessage);
}

let nextCollect = 0;

function collectAll(): Promise<ClusterView> {
  const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w && w.isConnected());
  const id = nextCollect++;
  return new Promise((resolve, reject) => {
    const answers: Collected[] = [];
    const finish = (): void => {
      clearTimeout(timer);
      cluster.off('message', onMessage);
      aggregate(answers).then(resolve, reject);
    };
    const onMessage = (_worker: Worker, message: Message): void => {
      if (message?.type !== COLLECTED || message.id !== id) return;
      answers.push(message.collected as Collected);
      if (answers.length === workers.length) finish();
    };
    const timer = setTimeout(finish, PRIMARY_WAIT_MS);
    cluster.on('message', onMessage);
    for (const w of workers) w.send({ type: COLLECT, id });
    if (workers.length === 0) finish();
  });
}

async function aggregate(answers: Collected[]): Promise<ClusterView> {
  const registry = AggregatorRegistry.aggregate(
    answers.map((a) => a.metrics) as unknown as Parameters<typeof AggregatorRegistry.aggregate>[0],
  );
  const withDrift = answers.filter((a) => a.drift !== null && a.references !== null);
  const first = withDrift[0];
  const merged = mergeSnapshots(withDrift.map((a) => a.drift!));
  const drift = first && merged ? driftReport(first.references!, merged, first.thresholds) : null;
  const driftRegistry = new Registry();
  registerAll(
    driftRegistry,
    driftGauges(() => drift, 'first'),
  );
  const text = (await registry.metrics()) + (await driftRegistry.metrics());
  return { text, drift, processes: answers.length };
}
