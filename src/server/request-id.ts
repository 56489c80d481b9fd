import { randomUUID } from 'node:crypto';

/** Ids a client may choose: short, and safe in logs, headers and JSON without escaping. */
export const SAFE_REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** The client's X-Request-ID when it is safe, else a fresh UUID. */
export function requestIdFor(header: string | string[] | undefined): string {
  if (typeof header === 'string' && SAFE_REQUEST_ID.test(header)) return header;
  return randomUUID();
}
