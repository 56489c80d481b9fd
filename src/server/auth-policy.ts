import type { Scope } from '../keys/key-format.js';

/**
 * Which requests need which scope when the server has keys. Open (no key):
 * liveness, readiness and metrics, and the API's own description (/, the
 * OpenAPI document, /docs, /redoc), which holds no data. `predict`: the
 * prediction routes (POST .../predict, .../predict/batch) and reading
 * (GET/HEAD) anything else, such as machine info. `admin`: every other
 * method on every other path: fitting machines (POST /machines/{id}/baseline)
 * and anything that changes models. Unknown paths need a key too, so that
 * without one nothing can be probed.
 */
export type Access = 'open' | Scope;

const OPEN = new Set(['/health', '/ready', '/metrics', '/', '/openapi.json', '/docs', '/redoc']);

/** Paths exempt from every limit (in-flight, rate, deadline): orchestrators must always reach them. */
export const EXEMPT_PATHS: ReadonlySet<string> = new Set(['/health', '/ready', '/metrics']);

export function requiredAccess(method: string | undefined, path: string): Access {
  if (OPEN.has(path) || path.startsWith('/docs/')) return 'open';
  if (method === 'GET' || method === 'HEAD') return 'predict';
  if (method === 'POST' && (path.endsWith('/predict') || path.endsWith('/predict/batch'))) return 'predict';
  return 'admin';
}
