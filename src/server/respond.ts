import { STATUS_CODES, type ServerResponse } from 'node:http';
import { errorBody, type HttpError } from './http-error.js';

/** Headers on every API response besides content type, length and request id. */
const API_HEADERS = ['x-content-type-options', 'nosniff', 'cache-control', 'no-store'] as const;
const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * Writes a whole response at once (one writeHead, one end) with the API's
 * headers. `extra` holds further headers as a flat [name, value, ...] list.
 */
export function send(
  res: ServerResponse,
  status: number,
  body: string | Buffer,
  requestId: string,
  extra?: readonly string[],
  contentType: string = JSON_TYPE,
): void {
  // Answered already (504 at the request's deadline): the late result is dropped.
  if (res.headersSent) return;
  const headers: (string | number)[] = [
    'content-type',
    contentType,
    'content-length',
    Buffer.byteLength(body),
    'x-request-id',
    requestId,
    ...API_HEADERS,
  ];
  if (extra) headers.push(...extra);
  res.writeHead(status, headers);
  res.end(body);
}

/** Answers with the JSON error shape. */
export function sendError(res: ServerResponse, error: HttpError, requestId: string, closing = false): void {
  const extra = error.options.headers ? [...error.options.headers] : [];
  if (closing || error.options.closeConnection) extra.push('connection', 'close');
  send(res, error.status, errorBody(error.code, error.detail, requestId, error.options.issues), requestId, extra);
}

/**
 * A complete HTTP/1.1 error response for a connection whose request could not
 * even be parsed (node:http's 'clientError'): there is no response object.
 */
export function rawErrorResponse(error: HttpError, requestId: string): string {
  const body = errorBody(error.code, error.detail, requestId);
  return (
    `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? 'Error'}\r\n` +
    'content-type: application/json; charset=utf-8\r\n' +
    `content-length: ${Buffer.byteLength(body)}\r\n` +
    `x-request-id: ${requestId}\r\n` +
    'x-content-type-options: nosniff\r\ncache-control: no-store\r\nconnection: close\r\n\r\n' +
    body
  );
}
