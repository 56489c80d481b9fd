import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { ApiKeyVerifier } from './auth-keys.js';
import { CorsPolicy } from './auth-cors.js';
import { EXEMPT_PATHS, requiredAccess } from './auth-policy.js';
import { HttpError } from './http-error.js';
import type { HardeningSettings } from './limits-settings.js';
import { InFlightLimiter } from './overload-limiter.js';
import { TokenBuckets } from './rate-limit-buckets.js';

/** The part of a request the gate reads and marks. */
export interface GateContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly id: string;
  /** performance.now() by which the request must be answered (set here when a deadline applies). */
  deadline?: number;
  /** True once the body was read to its end, or need not be: the connection may then serve another request. */
  bodyDone: boolean;
}

/** Bodies up to this size are read and dropped after a refusal, so the client's connection stays open. */
const DRAIN_BYTES = 64 * 1024;

export const deadlineExceeded = (): HttpError =>
  new HttpError('deadline_exceeded', 'the request was not answered within its deadline; retry later');

/**
 * Everything decided before a request is routed, cheapest first: the URL's
 * length (414), CORS (a preflight from a listed origin is answered here),
 * then, except for /health, /ready and /metrics: the API key and its scope
 * (401/403), the key's rate (429), the number of requests in progress (503),
 * and the request's deadline (504 when it passes).
 */
export class RequestGate {
  readonly inFlight: InFlightLimiter;
  private readonly cors: CorsPolicy;
  private readonly buckets: TokenBuckets | null;

  constructor(
    private readonly settings: HardeningSettings,
    /** null: the server runs open (it had no keys at start). */
    private readonly keys: ApiKeyVerifier | null,
    /** Answers a request whose deadline passed (unless it was answered already). */
    private readonly onDeadline: (ctx: GateContext) => void,
    private readonly logger?: Logger,
  ) {
    this.inFlight = new InFlightLimiter(settings.maxInFlight);
    this.cors = new CorsPolicy(settings.corsOrigins);
    this.buckets =
      settings.rateLimitPerSecond > 0 ? new TokenBuckets(settings.rateLimitPerSecond, settings.rateLimitBurst) : null;
  }

  /**
   * Null: go on and route the request. 'answered': it was answered here (a
   * CORS preflight). An HttpError: answer with it.
   */
  admit(ctx: GateContext, path: string, route: object | undefined): HttpError | 'answered' | null {
    const refusal = this.check(ctx, path, route);
    if (refusal instanceof HttpError && refusal.status !== 414) {
      // node:http reads and drops a body the answer left unread before the connection's next request: for a
      // small one that is cheaper than closing (a refused client, overloaded or not, keeps its connection).
      const length = Number(ctx.req.headers['content-length'] ?? 0);
      if (ctx.req.headers['transfer-encoding'] === undefined && length <= DRAIN_BYTES) ctx.bodyDone = true;
    }
    return refusal;
  }

  private check(ctx: GateContext, path: string, route: object | undefined): HttpError | 'answered' | null {
    const { req, res } = ctx;
    const url = req.url ?? '/';
    if (url.length > this.settings.maxUrlLength) {
      return new HttpError(
        'uri_too_long',
        `the request target is longer than ${this.settings.maxUrlLength} characters`,
      );
    }
    if (this.cors.enabled) {
      if (this.cors.preflight(req, res, route && Object.keys(route), ctx.id)) return 'answered';
      // A preflight not answered above gets no CORS headers: the browser refuses the call.
      if (req.method !== 'OPTIONS') this.cors.decorate(req, res);
    }
    if (EXEMPT_PATHS.has(path) || req.method === 'OPTIONS') return null;

    let client: string | null = null;
    if (this.keys !== null) {
      const access = requiredAccess(req.method, path);
      if (access !== 'open') {
        const identity = this.keys.verify(req.headers['x-api-key']);
        if (identity === null) {
          const missing = req.headers['x-api-key'] === undefined;
          return new HttpError(
            'unauthorized',
            missing ? 'this API needs an API key in the X-API-Key header' : 'the API key is not valid',
            { headers: ['www-authenticate', 'ApiKey header="X-API-Key"'] },
          );
        }
        if (!identity.scopes.has(access)) {
          this.logger?.info(
            { request_id: ctx.id, key: identity.name, method: req.method, path: path.slice(0, 200), needs: access },
            'API key without the scope for this route',
          );
          return new HttpError(
            'forbidden',
            `this API key may not call ${req.method} ${shorten(path)} (it needs the ${access} scope)`,
          );
        }
        client = `key:${identity.name}`;
      }
    }
    if (this.buckets !== null) {
      const wait = this.buckets.take(client ?? `address:${req.socket?.remoteAddress ?? '?'}`);
      if (wait > 0) {
        return new HttpError('too_many_requests', 'too many requests from this client; slow down (see Retry-After)', {
          headers: ['retry-after', String(Math.max(1, Math.ceil(wait)))],
        });
      }
    }
    if (!this.inFlight.tryAcquire()) {
      return new HttpError('overloaded', 'the server is at capacity; retry shortly', { headers: ['retry-after', '1'] });
    }
    let timer: NodeJS.Timeout | undefined;
    const ms = this.settings.requestDeadlineMs;
    if (ms > 0) {
      ctx.deadline = performance.now() + ms;
      timer = setTimeout(this.onDeadline, ms, ctx);
    }
    let released = false;
    res.once('close', () => {
      if (released) return;
      released = true;
      this.inFlight.release();
      if (timer !== undefined) clearTimeout(timer);
    });
    return null;
  }
}

function shorten(path: string): string {
  return path.length > 100 ? `${path.slice(0, 100)}…` : path;
}
