import type { IncomingMessage, ServerResponse } from 'node:http';

const ALLOW_HEADERS = 'content-type, x-api-key, x-request-id';
const EXPOSE_HEADERS = 'x-request-id, retry-after';

/**
 * CORS, closed unless origins are configured (IMIND_CORS_ORIGINS). For a
 * listed origin: a preflight (OPTIONS with Origin and
 * Access-Control-Request-Method) for a method the route takes is answered 204,
 * and answers to its requests carry Access-Control-Allow-Origin. Any other
 * origin gets no CORS headers at all, so browsers refuse the call; a preflight
 * from it is answered like any OPTIONS request: 405.
 */
export class CorsPolicy {
  private readonly origins: Set<string>;
  private readonly any: boolean;

  constructor(origins: readonly string[]) {
    this.any = origins.includes('*');
    this.origins = new Set(origins.map((o) => o.toLowerCase()));
  }

  get enabled(): boolean {
    return this.any || this.origins.size > 0;
  }

  private allowedOrigin(req: IncomingMessage): string | null {
    const origin = req.headers.origin;
    if (typeof origin !== 'string' || origin.length > 300) return null;
    if (this.any) return '*';
    return this.origins.has(origin.toLowerCase()) ? origin : null;
  }

  /**
   * Answers a preflight from a listed origin for a method the route takes
   * (`methods`: the route's methods, undefined for an unknown path) and
   * returns true; returns false for every other request.
   */
  preflight(
    req: IncomingMessage,
    res: ServerResponse,
    methods: readonly string[] | undefined,
    requestId: string,
  ): boolean {
    if (req.method !== 'OPTIONS' || !this.enabled || methods === undefined) return false;
    const wanted = req.headers['access-control-request-method'];
    const origin = this.allowedOrigin(req);
    if (origin === null || typeof wanted !== 'string') return false;
    const allowed = methods.flatMap((m) => (m === 'GET' ? ['GET', 'HEAD'] : [m]));
    if (!allowed.includes(wanted.toUpperCase())) return false;
    res.writeHead(204, [
      'access-control-allow-origin',
      origin,
      'access-control-allow-methods',
      allowed.join(', '),
      'access-control-allow-headers',
      ALLOW_HEADERS,
      'access-control-max-age',
      '600',
      'vary',
      'Origin',
      'x-request-id',
      requestId,
      'x-content-type-options',
      'nosniff',
      'cache-control',
      'no-store',
    ]);
    res.end();
    return true;
  }

  /** Adds the CORS headers to the coming answer when the request comes from a listed origin. */
  decorate(req: IncomingMessage, res: ServerResponse): void {
    if (!this.enabled) return;
    const origin = this.allowedOrigin(req);
    if (origin === null) return;
    res.setHeader('access-control-allow-origin', origin);
    res.setHeader('access-control-expose-headers', EXPOSE_HEADERS);
    if (origin !== '*') res.setHeader('vary', 'Origin');
  }
}
