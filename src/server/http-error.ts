/**
 * The one error shape of the HTTP API: every 4xx/5xx body is
 * `{"error": code, "detail": text, "request_id": id}`, plus `issues` (each
 * field at fault) on 422. Details never carry stack traces, file paths or
 * exception names: they are written here, for the client.
 */

export type HttpErrorCode =
  | 'bad_request'
  | 'empty_body'
  | 'malformed_json'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'method_not_allowed'
  | 'conflict'
  | 'payload_too_large'
  | 'uri_too_long'
  | 'too_many_requests'
  | 'unsupported_media_type'
  | 'headers_too_large'
  | 'request_timeout'
  | 'validation_failed'
  | 'internal'
  | 'not_ready'
  | 'shutting_down'
  | 'overloaded'
  | 'deadline_exceeded';

export const STATUS_OF: Record<HttpErrorCode, number> = {
  bad_request: 400,
  empty_body: 400,
  malformed_json: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  payload_too_large: 413,
  uri_too_long: 414,
  too_many_requests: 429,
  unsupported_media_type: 415,
  headers_too_large: 431,
  request_timeout: 408,
  validation_failed: 422,
  internal: 500,
  not_ready: 503,
  shutting_down: 503,
  overloaded: 503,
  deadline_exceeded: 504,
};

/** One field at fault: `path` is dotted from the body root (`readings.7.pressure`; "" for the body itself). */
export interface ValidationIssue {
  path: string;
  message: string;
}

export class HttpError extends Error {
  readonly status: number;

  constructor(
    readonly code: HttpErrorCode,
    readonly detail: string,
    readonly options: {
      issues?: ValidationIssue[];
      /** Extra response headers as [name, value, name, value, ...]. */
      headers?: string[];
      /** Close the connection after answering (the body was not read to its end). */
      closeConnection?: boolean;
    } = {},
  ) {
    super(detail);
    this.name = 'HttpError';
    this.status = STATUS_OF[code];
  }
}

export const INTERNAL_DETAIL = 'internal server error (logged with this request id)';

/** The JSON text of an error body. */
export function errorBody(
  code: HttpErrorCode,
  detail: string,
  requestId: string,
  issues?: readonly ValidationIssue[],
): string {
  const base = `{"error":"${code}","detail":${JSON.stringify(detail)},"request_id":"${requestId}"`;
  return issues === undefined ? `${base}}` : `${base},"issues":${JSON.stringify(issues)}}`;
}
