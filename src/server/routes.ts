import type { IncomingMessage, ServerResponse } from 'node:http';
import { VERSION } from '../version.js';
import { REFERENCE_CSP, apiReferenceHtml } from './api-reference.js';
import { DOCS_ASSETS, type DocsPages } from './docs-pages.js';
import { HttpError } from './http-error.js';
import type { ModelState } from './model-state.js';
import { openApiDocument } from './openapi.js';
import { checkBodyHeaders, readJsonBody } from './read-body.js';
import { send } from './respond.js';
import type { ScoringService } from './scoring-service.js';
import type { ServerSettings } from './settings.js';
import { addMachineRoutes } from './machine-routes.js';
import type { RequestNote } from './logging-access.js';

/** One request being handled (handlers note what they scored for its access-log line). */
export interface Context extends RequestNote {
  req: IncomingMessage;
  res: ServerResponse;
  id: string;
  /** Extra headers for every answer to this request (Connection: close while shutting down). */
  readonly extra: string[] | undefined;
  /** True once the request body was read to its end (or there was none to read). */
  bodyDone: boolean;
  /** Path parameters of a templated route (`/machines/{machine_id}`), still percent-encoded. */
  params?: Record<string, string>;
  /** performance.now() by which the request must be answered (IMIND_REQUEST_DEADLINE_MS); unset: no deadline. */
  deadline?: number;
}

export type Handler = (ctx: Context) => void | Promise<void>;
export type Routes = Map<string, Partial<Record<'GET' | 'POST', Handler>>>;

interface Deps {
  state: ModelState;
  settings: ServerSettings;
  docs: DocsPages;
}

const HTML = 'text/html; charset=utf-8';

/** The routes of the API: path → method → handler. */
export function buildRoutes({ state, settings, docs }: Deps): Routes {
  const docCache = new WeakMap<ScoringService, { json: string; html: string }>();

  const service = (): ScoringService => {
    if (state.shuttingDown)
      throw new HttpError('shutting_down', 'the server is shutting down; retry on another instance');
    if (state.service && state.phase === 'ready') return state.service;
    if (state.phase === 'loading')
      throw new HttpError('not_ready', 'the model is still loading; retry shortly', { headers: ['retry-after', '1'] });
    throw new HttpError('not_ready', 'the model could not be loaded (the reason is in the server log)');
  };

  const body = async (ctx: Context): Promise<unknown> => {
    checkBodyHeaders(ctx.req, settings.bodyLimitBytes);
    const { maxJsonDepth: maxDepth, maxJsonStringChars: maxStringChars } = settings.hardening;
    const value = await readJsonBody(ctx.req, settings.bodyLimitBytes, { maxDepth, maxStringChars });
    ctx.bodyDone = true;
    return value;
  };

  const docsFor = (s: ScoringService) => {
    let cached = docCache.get(s);
    if (!cached) {
      const doc = openApiDocument(s.schemas, {
        title: settings.serviceName,
        version: VERSION,
        modelVersion: s.model.version,
        features: s.model.schema.features.map((f) => f.name),
        bodyLimitBytes: settings.bodyLimitBytes,
        machines: settings,
      });
      cached = { json: JSON.stringify(doc), html: apiReferenceHtml(doc) };
      docCache.set(s, cached);
    }
    return cached;
  };

  const routes: Routes = new Map();
  routes.set('/', {
    GET: (ctx) => {
      const info = {
        service: settings.serviceName,
        version: VERSION,
        model_version: state.service?.model.version ?? null,
        docs: '/docs',
      };
      send(ctx.res, 200, JSON.stringify(info), ctx.id, ctx.extra);
    },
  });
  routes.set('/health', {
    GET: (ctx) => {
      const health = {
        status: state.healthStatus,
        model_loaded: state.phase === 'ready',
        model_version: state.service?.model.version ?? null,
        uptime_seconds: Math.round(state.uptimeSeconds() * 1000) / 1000,
      };
      send(ctx.res, 200, JSON.stringify(health), ctx.id, ctx.extra);
    },
  });
  routes.set('/ready', {
    GET: (ctx) => {
      const s = service();
      send(ctx.res, 200, JSON.stringify({ status: 'ready', model_version: s.model.version }), ctx.id, ctx.extra);
    },
  });
  routes.set('/predict', {
    POST: async (ctx) => {
      const s = service();
      const json = await s.predictOne(await body(ctx), ctx);
      send(ctx.res, 200, json, ctx.id, ctx.extra);
    },
  });
  routes.set('/predict/batch', {
    POST: async (ctx) => {
      const s = service();
      const json = await s.predictBatch(await body(ctx), ctx);
      send(ctx.res, 200, json, ctx.id, ctx.extra);
    },
  });
  routes.set('/openapi.json', {
    GET: (ctx) => send(ctx.res, 200, docsFor(service()).json, ctx.id, ctx.extra),
  });
  routes.set('/redoc', {
    GET: (ctx) =>
      send(
        ctx.res,
        200,
        docsFor(service()).html,
        ctx.id,
        ['content-security-policy', REFERENCE_CSP, ...(ctx.extra ?? [])],
        HTML,
      ),
  });
  routes.set('/docs', {
    GET: (ctx) =>
      send(
        ctx.res,
        200,
        docs.swaggerHtml(),
        ctx.id,
        ['content-security-policy', docs.swaggerCsp(), ...(ctx.extra ?? [])],
        HTML,
      ),
  });
  routes.set('/docs/swagger-initializer.js', {
    GET: (ctx) => send(ctx.res, 200, docs.initializerJs(), ctx.id, ctx.extra, 'text/javascript; charset=utf-8'),
  });
  for (const name of Object.keys(DOCS_ASSETS)) {
    routes.set(`/docs/${name}`, {
      GET: async (ctx) => {
        const asset = await docs.asset(name);
        if (!asset)
          throw new HttpError('not_found', `no route GET /docs/${name} (Swagger UI's files are not installed)`);
        send(ctx.res, 200, asset.body, ctx.id, ctx.extra, asset.type);
      },
    });
  }
  addMachineRoutes(routes, { service, settings });
  return routes;
}
