import { isUtf8 } from 'node:buffer';
import type { IncomingMessage } from 'node:http';
import { HttpError } from './http-error.js';
import { scanJsonLimits, type JsonScanLimits } from './limits-json-scan.js';

const JSON_TYPE = /^application\/json\s*(?:;|$)/i;
const CHARSET = /;\s*charset\s*=\s*"?([^";\s]*)/i;
const EMPTY = 'the request body is empty; send JSON (Content-Type: application/json)';

/** Thrown when the client went away before its body arrived: nobody is left to answer. */
export class ClientGoneError extends Error {
  constructor() {
    super('client closed the connection');
    this.name = 'ClientGoneError';
  }
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 && n % (1024 * 1024) === 0
    ? `${n / (1024 * 1024)} MiB`
    : n >= 1024 && n % 1024 === 0
      ? `${n / 1024} KiB`
      : `${n} bytes`;
}

/**
 * Checks the request's declared body before reading it: 413 for a declared
 * length over the limit, 400 when there is no body, 415 unless the content
 * type is JSON in UTF-8. Throws the HttpError to answer with.
 */
export function checkBodyHeaders(req: IncomingMessage, limit: number): void {
  const lengthHeader = req.headers['content-length'];
  const declared = lengthHeader === undefined ? -1 : Number(lengthHeader);
  const chunked = req.headers['transfer-encoding'] !== undefined;
  if (declared > limit) {
    throw new HttpError(
      'payload_too_large',
      `the request body is ${declared} bytes; the limit is ${formatBytes(limit)}`,
      { closeConnection: true },
    );
  }
  if (declared <= 0 && !chunked) {
    throw new HttpError('empty_body', EMPTY);
  }
  const type = req.headers['content-type'];
  if (type === undefined || !JSON_TYPE.test(type)) {
    throw new HttpError(
      'unsupported_media_type',
      `the body must be JSON (Content-Type: application/json), got ${type === undefined ? 'no Content-Type' : JSON.stringify(type.slice(0, 100))}`,
      {
        closeConnection: true,
      },
    );
  }
  const charset = CHARSET.exec(type)?.[1]?.toLowerCase();
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    throw new HttpError(
      'unsupported_media_type',
      `the body must be UTF-8 JSON, got charset ${JSON.stringify(charset.slice(0, 40))}`,
      { closeConnection: true },
    );
  }
}

const DEFAULT_SCAN_LIMITS: JsonScanLimits = { maxDepth: 64, maxStringChars: 10_000 };

/**
 * Reads the body (at most `limit` bytes) and parses it as JSON. Call
 * checkBodyHeaders first. Before parsing, the bytes must be UTF-8 (400), and
 * a pre-scan enforces `scan`: a string longer than maxStringChars is a 422
 * naming its field; containers nested deeper than maxDepth are replaced by
 * null unread (no API body is valid that deep, so validation answers 422
 * naming the outermost field at fault).
 */
export function readJsonBody(
  req: IncomingMessage,
  limit: number,
  scan: JsonScanLimits = DEFAULT_SCAN_LIMITS,
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let first: Buffer | null = null;
    let chunks: Buffer[] | null = null;
    let size = 0;
    let done = false;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        done = true;
        req.off('data', onData);
        reject(
          new HttpError('payload_too_large', `the request body exceeds the limit of ${formatBytes(limit)}`, {
            closeConnection: true,
          }),
        );
        return;
      }
      if (first === null) first = chunk;
      else (chunks ??= [first]).push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => {
      if (done) return;
      done = true;
      const bytes = chunks ? Buffer.concat(chunks, size) : first;
      if (bytes === null || size === 0) {
        reject(new HttpError('empty_body', EMPTY));
        return;
      }
      if (!isUtf8(bytes)) {
        reject(new HttpError('malformed_json', 'the request body is not valid UTF-8'));
        return;
      }
      const scanned = scanJsonLimits(bytes, scan);
      if (scanned.kind === 'long_string') {
        reject(longString(scanned.path, scanned.key, scan.maxStringChars));
        return;
      }
      let text = scanned.kind === 'cut' ? scanned.text : bytes.toString('utf8');
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      try {
        if (scanned.kind === 'unterminated') throw new SyntaxError('unterminated');
        resolve(JSON.parse(text));
      } catch {
        reject(
          text.trim() === ''
            ? new HttpError('empty_body', EMPTY)
            : new HttpError(
                'malformed_json',
                'the request body is not valid JSON (note: NaN and Infinity are not JSON numbers)',
              ),
        );
      }
    });
    const gone = (): void => {
      if (done) return;
      done = true;
      reject(new ClientGoneError());
    };
    req.once('error', gone);
    // 'close' before 'end': the client went away mid-body.
    req.once('close', gone);
  });
}

function longString(path: string, key: boolean, max: number): HttpError {
  const message = key ? `has a field name longer than ${max} characters` : `is longer than ${max} characters`;
  return new HttpError('validation_failed', `${path || 'body'} ${message}`, { issues: [{ path, message }] });
}
