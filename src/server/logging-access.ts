import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { CLIENT_CLOSED, type ServerMetrics } from '../monitoring/server-metrics.js';
import { AccessLineWriter } from './logging-access-line.js';

/** What a handler learned about the request's readings, for its access-log line. */
export interface RequestNote {
  /** POST /predict: the reading's machine and verdict. */
  machineId?: string;
  isAnomaly?: boolean;
  /** POST /predict/batch: readings scored and how many were anomalous. */
  readings?: number;
  anomalies?: number;
}

/** The route label of a path that matched no route. */
export const UNKNOWN_ROUTE = 'unknown';

/** A request as the observer sees it (the app's RequestContext). */
export interface ObservedRequest extends RequestNote {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly id: string;
  /** The route template ("/predict", "unknown"): never the raw URL, which a client controls. */
  route: string;
  /** performance.now() when the request arrived. */
  readonly started: number;
}

/**
 * Counts every request into the HTTP metrics (by method, route template and
 * status; duration; in flight) and writes one access-log line per request at
 * info level (msg "request": request_id, method, route, status, latency_ms,
 * machine_id and is_anomaly or readings and anomalies, model_version). Both are decided once: with metrics off and info disabled it is
 * not created at all, and nothing is measured or formatted per request.
 */
export class RequestObserver {
  private readonly onClose: (this: ServerResponse) => void;
  private readonly log: AccessLineWriter | null;

  constructor(
    private readonly metrics: ServerMetrics | null,
    logger: Logger | null,
    private readonly modelVersion: () => string | null,
  ) {
    this.log = logger ? new AccessLineWriter(logger) : null;
    const end = (ctx: ObservedRequest): void => this.end(ctx);
    this.onClose = function (this: ServerResponse) {
      const ctx = (this as ServerResponse & { [OBSERVED]?: ObservedRequest })[OBSERVED];
      if (ctx) end(ctx);
    };
  }

  /** Null when there is nothing to observe (metrics off and the info level disabled). */
  static create(
    metrics: ServerMetrics | null,
    logger: Logger,
    modelVersion: () => string | null,
  ): RequestObserver | null {
    const access = logger.isLevelEnabled('info') ? logger : null;
    return metrics || access ? new RequestObserver(metrics, access, modelVersion) : null;
  }

  begin(ctx: ObservedRequest): void {
    if (this.metrics) this.metrics.inFlight++;
    (ctx.res as ServerResponse & { [OBSERVED]?: ObservedRequest })[OBSERVED] = ctx;
    // 'close' follows 'finish' for every answered request, and also ends one whose client went away.
    ctx.res.on('close', this.onClose);
  }

  private end(ctx: ObservedRequest): void {
    const seconds = (performance.now() - ctx.started) / 1000;
    const res = ctx.res;
    const status = res.writableFinished ? res.statusCode : CLIENT_CLOSED;
    const metrics = this.metrics;
    if (metrics) {
      metrics.inFlight--;
      metrics.route(ctx.route).record(ctx.req.method, status, seconds);
    }
    if (this.log) this.log.write(ctx, status, Math.round(seconds * 1e6), this.modelVersion());
  }
}

const OBSERVED = Symbol('imind.observed');
