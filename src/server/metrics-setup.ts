import cluster from 'node:cluster';
import type { Logger } from 'pino';
import { checkThresholds } from '../monitoring/drift.js';
import { ServerMetrics, type ServerMetricsOptions } from '../monitoring/server-metrics.js';
import { RequestObserver, UNKNOWN_ROUTE } from './logging-access.js';
import { answerCollectRequests } from './metrics-cluster.js';
import { instrumentModel } from './metrics-model.js';
import { addMonitoringRoutes, clusterView, localView } from './metrics-routes.js';
import type { ModelState } from './model-state.js';
import type { Routes } from './routes.js';
import type { ScoringModel } from './scoring-service.js';

/** `false`: no /metrics, no /monitoring/drift, nothing measured (access logs still follow the log level). */
export type MonitoringOptions = false | Partial<ServerMetricsOptions>;

/**
 * The app's monitoring, wired in a few calls from buildApp: the model wrapped
 * for inference metrics and drift, the two monitoring routes, the per-request
 * observer (metrics + access log), and the route template of each route.
 */
export class AppMonitoring {
  readonly metrics: ServerMetrics | null;
  private readonly stopAnswering: (() => void) | null = null;

  constructor(options: MonitoringOptions = {}) {
    this.metrics = options === false ? null : new ServerMetrics(options);
    if (this.metrics?.options.clusterWorker && cluster.isWorker)
      this.stopAnswering = answerCollectRequests(this.metrics);
  }

  /** The model (or its promise) with every predict() call measured. */
  instrument(model: ScoringModel | Promise<ScoringModel>): ScoringModel | Promise<ScoringModel> {
    const metrics = this.metrics;
    if (!metrics) return model;
    return model instanceof Promise ? model.then((m) => instrumentModel(m, metrics)) : instrumentModel(model, metrics);
  }

  /** Adds GET /metrics and GET /monitoring/drift; records each route's template (call before routes are split). */
  addRoutes(routes: Routes, state: ModelState): Map<object, string> {
    const metrics = this.metrics;
    if (metrics) {
      metrics.setReadiness(() => state.ready);
      addMonitoringRoutes(routes, metrics.options.clusterWorker ? clusterView(metrics) : localView(metrics), state);
    }
    const templates = new Map<object, string>();
    for (const [path, route] of routes) templates.set(route, path);
    return templates;
  }

  /** Null when neither metrics nor info-level access logs are on. */
  observer(logger: Logger, state: ModelState): RequestObserver | null {
    return RequestObserver.create(this.metrics, logger, () => state.service?.model.version ?? null);
  }

  close(): void {
    this.stopAnswering?.();
  }
}

export { UNKNOWN_ROUTE };

/** The monitoring options of `imind serve` from its settings; bad drift thresholds are a usage error. */
export function monitoringFromSettings(
  s: {
    metrics: boolean;
    metricsMachineLimit: number;
    driftWindow: number;
    driftWarnPsi: number;
    driftAlertPsi: number;
  },
  clusterWorker: boolean,
): MonitoringOptions {
  const driftThresholds = checkThresholds({ warn: s.driftWarnPsi, alert: s.driftAlertPsi });
  if (!s.metrics) return false;
  return {
    machineLabelLimit: s.metricsMachineLimit,
    driftWindow: s.driftWindow,
    driftThresholds,
    processMetrics: true,
    clusterWorker,
  };
}
