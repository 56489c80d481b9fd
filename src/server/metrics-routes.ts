import { Registry } from 'prom-client';
import type { DriftReport } from '../monitoring/drift.js';
import type { ServerMetrics } from '../monitoring/server-metrics.js';
import { HttpError } from './http-error.js';
import { requestClusterView } from './metrics-cluster.js';
import type { ModelState } from './model-state.js';
import { send } from './respond.js';
import type { Routes } from './routes.js';

export const METRICS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;

/** Where GET /metrics and GET /monitoring/drift read: this process, or (in a cluster worker) every worker. */
export interface MonitoringView {
  metricsText(): Promise<string>;
  drift(): Promise<{ report: DriftReport | null; processes: number }>;
}

export function localView(metrics: ServerMetrics): MonitoringView {
  return {
    metricsText: () => metrics.text(),
    drift: () => Promise.resolve({ report: metrics.driftReport(), processes: 1 }),
  };
}

/** The cluster's view through the primary; this worker's own when the primary does not answer. */
export function clusterView(metrics: ServerMetrics): MonitoringView {
  const local = localView(metrics);
  return {
    async metricsText() {
      const view = await requestClusterView();
      return view ? view.text : local.metricsText();
    },
    async drift() {
      const view = await requestClusterView();
      return view ? { report: view.drift, processes: view.processes } : local.drift();
    },
  };
}

/** Adds GET /metrics (Prometheus text format) and GET /monitoring/drift (JSON) to the routes. */
export function addMonitoringRoutes(routes: Routes, view: MonitoringView, state: ModelState): void {
  routes.set('/metrics', {
    GET: async (ctx) => {
      send(ctx.res, 200, await view.metricsText(), ctx.id, ctx.extra, METRICS_CONTENT_TYPE);
    },
  });
  routes.set('/monitoring/drift', {
    GET: async (ctx) => {
      const { report, processes } = await view.drift();
      if (!report) {
        if (state.phase === 'loading')
          throw new HttpError('not_ready', 'the model is still loading; retry shortly', {
            headers: ['retry-after', '1'],
          });
        if (state.phase === 'ready')
          throw new HttpError('not_found', 'the served model has no training distribution to compare with');
        throw new HttpError('not_ready', 'no drift statistics: the model is not loaded');
      }
      const body = { model_version: state.service?.model.version ?? null, processes, ...report };
      send(ctx.res, 200, JSON.stringify(body), ctx.id, ctx.extra);
    },
  });
}
