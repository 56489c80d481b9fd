import type { IncomingMessage, ServerResponse } from 'node:http';
import { pino, type Logger } from 'pino';
import { DocsPages } from './docs-pages.js';
import { HttpError, INTERNAL_DETAIL } from './http-error.js';
import { ModelState } from './model-state.js';
import { ClientGoneError } from './read-body.js';
import { requestIdFor } from './request-id.js';
import { sendError } from './respond.js';
import { buildRoutes, type Context, type Handler } from './routes.js';
import { logMachines } from './machine-log.js';
import { takeTemplates } from './path-templates.js';
import type { RequestNote } from './logging-access.js';
import { AppMonitoring, UNKNOWN_ROUTE, type MonitoringOptions } from './metrics-setup.js';
import type { ScoringModel } from './scoring-service.js';
import type { ApiKeyVerifier } from './auth-keys.js';
import { RequestGate, deadlineExceeded } from './limits-gate.js';
import { defaultServerSettings, type ServerSettings } from './settings.js';

export interface AppOptions {
  /** The model, or the promise of one: the app answers at once and is ready when it resolves. */
  model: ScoringModel | Promise<ScoringModel>;
  settings?: Partial<ServerSettings>;
  /** Where the app logs (unexpected errors with their request id, one access line per request at info); silent by default. */
  logger?: Logger;
  /** Metrics (GET /metrics) and drift (GET /monitoring/drift) options; false turns them off. On by default. */
  monitoring?: MonitoringOptions;
  /** The API keys to require (see auth-policy.ts); null or absent: the API is open. */
  keys?: ApiKeyVerifier | null;
}

/** The HTTP API as a node:http request listener; it never listens itself (see server.ts). */
export interface App {
  /** The request listener: `http.createServer(app.handle)`. */
  readonly handle: (req: IncomingMessage, res: ServerResponse) => void;
  readonly state: ModelState;
  readonly settings: ServerSettings;
  readonly logger: Logger;
  /** Limits applied before routing (keys, CORS, in flight, rate, deadline). */
  readonly gate: RequestGate;
  /** From now on /ready and the scoring routes answer 503 and every response closes its connection. */
  beginShutdown(): void;
  /** Releases the model; call after the server stopped and in-flight requests ended. */
  close(): Promise<void>;
}

const CLOSE = ['connection', 'close'];

class RequestContext implements Context, RequestNote {
  bodyDone = false;
  params: Record<string, string> | undefined = undefined;
  /** The matched route's template, the label of its metrics and log line. */
  route = UNKNOWN_ROUTE;
  readonly started = performance.now();
  machineId: string | undefined = undefined;
  isAnomaly: boolean | undefined = undefined;
  readings: number | undefined = undefined;
  anomalies: number | undefined = undefined;
  deadline: number | undefined = undefined;

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly id: string,
    private readonly state: ModelState,
  ) {}

  /** Decided when the answer is written: a request that began before shutdown still closes its connection after. */
  get extra(): string[] | undefined {
    return this.state.shuttingDown ? CLOSE : undefined;
  }
}

export function buildApp(options: AppOptions): App {
  const settings = defaultServerSettings(options.settings);
  const logger = options.logger ?? pino({ level: 'silent' });
  const monitoring = new AppMonitoring(options.monitoring);
  const state = new ModelState(monitoring.instrument(options.model), settings);
  const routes = buildRoutes({ state, settings, docs: new DocsPages(settings.serviceName) });
  const routeNames = monitoring.addRoutes(routes, state);
  const templated = takeTemplates(routes);
  const observer = monitoring.observer(logger, state);
  const gate = new RequestGate(
    settings.hardening,
    options.keys ?? null,
    (ctx) => fail(ctx as RequestContext, deadlineExceeded()),
    logger,
  );

  state.settled.then(
    (service) => {
      logger.info(
        { model_version: service.model.version, ms: Math.round(state.uptimeSeconds() * 1000) },
        'model loaded and tested: ready',
      );
      logMachines(logger, service, settings);
    },
    (error: unknown) => logger.error({ reason: state.failure, err: error }, `model unavailable: ${state.failure}`),
  );

  const fail = (ctx: Context, error: unknown): void => {
    if (error instanceof ClientGoneError) return;
    const { res } = ctx;
    let httpError: HttpError;
    if (error instanceof HttpError) httpError = error;
    else {
      logger.error(
        { request_id: ctx.id, method: ctx.req.method, url: ctx.req.url, err: error },
        'unexpected error while handling a request',
      );
      httpError = new HttpError('internal', INTERNAL_DETAIL);
    }
    if (res.headersSent || res.destroyed) return;
    const mustClose = state.shuttingDown || (!ctx.bodyDone && hasBody(ctx.req));
    sendError(res, httpError, ctx.id, mustClose);
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const ctx = new RequestContext(req, res, requestIdFor(req.headers['x-request-id']), state);
    observer?.begin(ctx);
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    let route = routes.get(path);
    if (route === undefined && templated.size > 0) {
      const match = templated.match(path);
      if (match) {
        route = match.value;
        ctx.params = match.params;
      }
    }
    if (route !== undefined) ctx.route = routeNames.get(route) ?? UNKNOWN_ROUTE;
    const gated = gate.admit(ctx, path, route);
    if (gated !== null) {
      if (gated !== 'answered') fail(ctx, gated);
      return;
    }
    if (route === undefined) {
      fail(
        ctx,
        new HttpError('not_found', `no route ${req.method} ${path.length > 100 ? `${path.slice(0, 100)}…` : path}`),
      );
      return;
    }
    const method = req.method === 'HEAD' ? 'GET' : req.method;
    const handler: Handler | undefined = method === 'GET' || method === 'POST' ? route[method] : undefined;
    if (handler === undefined) {
      const allow = Object.keys(route).flatMap((m) => (m === 'GET' ? ['GET', 'HEAD'] : [m]));
      fail(
        ctx,
        new HttpError('method_not_allowed', `${req.method} is not allowed on ${path}; use ${allow.join(' or ')}`, {
          headers: ['allow', allow.join(', ')],
        }),
      );
      return;
    }
    try {
      const pending = handler(ctx);
      if (pending) pending.catch((error: unknown) => fail(ctx, error));
    } catch (error) {
      fail(ctx, error);
    }
  };

  return {
    handle,
    state,
    settings,
    logger,
    gate,
    beginShutdown() {
      state.shuttingDown = true;
    },
    async close() {
      state.shuttingDown = true;
      monitoring.close();
      await state.settled.catch(() => undefined);
      await state.dispose();
    },
  };
}

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
}
