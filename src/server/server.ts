import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { App } from './app.js';
import { HttpError } from './http-error.js';
import { requestIdFor } from './request-id.js';
import { rawErrorResponse } from './respond.js';

export interface ListenOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** How long shutdown waits for in-flight requests before cutting connections. */
  shutdownGraceMs?: number;
  /** Longest time to receive one whole request (slow clients are cut off with 408). */
  requestTimeoutMs?: number;
  /** Largest request line plus headers, in bytes (431 above it; 414 when the request line alone is too long). */
  maxHeaderBytes?: number;
}

export interface RunningServer {
  readonly server: Server;
  readonly port: number;
  /** http://host:port (IPv6 hosts in brackets). */
  readonly url: string;
  /**
   * Graceful stop: /ready turns 503, the port stops accepting, idle keep-alive
   * connections close, in-flight requests complete (up to the grace period),
   * then the model is released. Safe to call more than once.
   */
  shutdown(): Promise<void>;
}

/** Listens with the app's request listener; owns the socket-level concerns (timeouts, unparsable requests). */
export async function startServer(app: App, options: ListenOptions): Promise<RunningServer> {
  const server = createServer(
    {
      requestTimeout: options.requestTimeoutMs ?? 30_000,
      headersTimeout: Math.min(10_000, options.requestTimeoutMs ?? 30_000),
      keepAliveTimeout: 5_000,
      maxHeaderSize: options.maxHeaderBytes ?? 16 * 1024,
      // How often node:http looks for requests past their timeouts (its default, 30 s, would double them).
      connectionsCheckingInterval: Math.min(1_000, options.requestTimeoutMs ?? 30_000),
    },
    app.handle,
  );
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const httpError =
      error.code === 'HPE_HEADER_OVERFLOW'
        ? requestLineLength(error) > app.settings.hardening.maxUrlLength
          ? new HttpError('uri_too_long', 'the request target is too long')
          : new HttpError('headers_too_large', 'the request headers are too large')
        : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? new HttpError('request_timeout', 'the request did not arrive in time')
          : new HttpError('bad_request', 'the request is not valid HTTP/1.1');
    socket.end(rawErrorResponse(httpError, requestIdFor(undefined)));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closing: Promise<void> | null = null;
  return {
    server,
    port: address.port,
    url: `http://${host}:${address.port}`,
    shutdown() {
      closing ??= (async () => {
        app.beginShutdown();
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        const force = setTimeout(() => server.closeAllConnections(), options.shutdownGraceMs ?? 10_000);
        force.unref();
        await closed;
        clearTimeout(force);
        await app.close();
      })();
      return closing;
    },
  };
}

/** The length of the request line in the bytes node:http had read when it failed (the whole packet if it holds no line end). */
function requestLineLength(error: NodeJS.ErrnoException & { rawPacket?: Buffer }): number {
  const raw = error.rawPacket;
  if (raw === undefined) return 0;
  const end = raw.indexOf('\n');
  return end < 0 ? raw.length : end;
}
