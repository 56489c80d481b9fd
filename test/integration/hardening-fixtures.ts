import { connect } from 'node:net';
import type { Model } from '../../src/model/model.js';
import type { Prediction } from '../../src/model/prediction.js';
import type { Reading } from '../../src/schema/reading.js';
import type { ApiKeyVerifier } from '../../src/server/auth-keys.js';
import { buildApp, type App } from '../../src/server/app.js';
import { hardeningSettings, type HardeningSettings } from '../../src/server/limits-settings.js';
import type { ScoringModel } from '../../src/server/scoring-service.js';
import { startServer, type ListenOptions, type RunningServer } from '../../src/server/server.js';
import type { ServerSettings } from '../../src/server/settings.js';

/** A model double around a real one whose predict can be held back (to keep requests in flight) and counted. */
export class HeldModel implements ScoringModel {
  calls = 0;
  rows = 0;
  private gate: Promise<void> = Promise.resolve();
  private open: () => void = () => undefined;

  constructor(private readonly base: Model) {}

  get schema() {
    return this.base.schema;
  }
  get version() {
    return this.base.version;
  }
  get threshold() {
    return this.base.threshold;
  }
  get inputWidth() {
    return this.base.inputWidth;
  }
  get stateful() {
    return this.base.stateful;
  }
  scoreMatrix(input: Float32Array, n: number) {
    return this.base.scoreMatrix(input, n);
  }
  async dispose(): Promise<void> {}

  /** From now on predict waits until release() (or delayMs, when given). */
  hold(delayMs?: number): void {
    this.gate = new Promise<void>((resolve) => {
      this.open = resolve;
      if (delayMs !== undefined) setTimeout(resolve, delayMs);
    });
  }

  release(): void {
    this.open();
    this.gate = Promise.resolve();
  }

  async predict(readings: Reading[]): Promise<Prediction[]> {
    this.calls++;
    this.rows += readings.length;
    await this.gate;
    return this.base.predict(readings);
  }
}

export interface Served {
  app: App;
  server: RunningServer;
  url: string;
  port: number;
  /** Stops the server without disposing the model (the test owns it). */
  close(): Promise<void>;
}

/** buildApp + startServer on a free loopback port with the given limits. */
export async function serveWith(
  model: ScoringModel,
  options: {
    hardening?: Partial<HardeningSettings>;
    settings?: Partial<ServerSettings>;
    keys?: ApiKeyVerifier | null;
    listen?: Partial<ListenOptions>;
  } = {},
): Promise<Served> {
  const app = buildApp({
    model,
    keys: options.keys ?? null,
    settings: { ...options.settings, hardening: hardeningSettings(options.hardening) },
    monitoring: false,
  });
  const server = await startServer(app, { host: '127.0.0.1', port: 0, ...options.listen });
  await app.state.settled;
  return {
    app,
    server,
    url: server.url,
    port: server.port,
    close: async () => {
      app.beginShutdown();
      server.server.closeAllConnections();
      await new Promise((r) => server.server.close(r));
    },
  };
}

/**
 * Writes raw bytes to the server (each chunk in turn, `gapMs` apart) and
 * collects what comes back until the server closes the connection or
 * `idleMs` pass without data. Resolves with the text and how many bytes were
 * written before the first byte of the answer arrived.
 */
export function rawExchange(
  port: number,
  chunks: (string | Buffer)[] | (() => Generator<string | Buffer>),
  options: { gapMs?: number; idleMs?: number; end?: boolean } = {},
): Promise<{ text: string; writtenBeforeAnswer: number; closedByServer: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    let written = 0;
    let writtenBeforeAnswer = -1;
    let closedByServer = false;
    let idle: NodeJS.Timeout | undefined;
    const finish = (): void => {
      clearTimeout(idle);
      socket.destroy();
      resolve({ text, writtenBeforeAnswer: writtenBeforeAnswer < 0 ? written : writtenBeforeAnswer, closedByServer });
    };
    const arm = (): void => {
      clearTimeout(idle);
      idle = setTimeout(finish, options.idleMs ?? 2_000);
    };
    socket.on('data', (d: Buffer) => {
      if (writtenBeforeAnswer < 0) writtenBeforeAnswer = written;
      text += d.toString('latin1');
      arm();
    });
    socket.on('end', () => {
      closedByServer = true;
      finish();
    });
    socket.on('close', () => finish());
    socket.on('error', (error: NodeJS.ErrnoException) => {
      // The server may close while we still write (413 on an endless body): that ends the exchange.
      if (error.code === 'EPIPE' || error.code === 'ECONNRESET') {
        closedByServer = true;
        finish();
      } else reject(error);
    });
    socket.once('connect', async () => {
      arm();
      const source = typeof chunks === 'function' ? chunks() : chunks[Symbol.iterator]();
      for (const chunk of source as Iterable<string | Buffer>) {
        if (socket.destroyed || writtenBeforeAnswer >= 0) break;
        written += chunk.length;
        if (!socket.write(chunk)) await new Promise((r) => socket.once('drain', r).once('close', r));
        if (options.gapMs) await new Promise((r) => setTimeout(r, options.gapMs));
      }
      if (options.end && !socket.destroyed) socket.end();
    });
  });
}

/** The status code of the first response in a raw exchange (0 when there is none). */
export function statusOf(text: string): number {
  return Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
}

/** The JSON body of the first response in a raw exchange (content-length framed). */
export function bodyOf(text: string): Record<string, unknown> {
  const head = text.indexOf('\r\n\r\n');
  const length = Number(/\r\ncontent-length: (\d+)/i.exec(text.slice(0, head))?.[1] ?? 0);
  return JSON.parse(text.slice(head + 4, head + 4 + length)) as Record<string, unknown>;
}

/**
 * No stack frame, internal module, server file path or exception name in an
 * error body. (Bodies may echo what the client sent, so the patterns are
 * specific to what a leak would look like.)
 */
export function assertNoInternals(text: string): void {
  const leaks = [
    /\n\s*at \S/,
    /\bat [^\s"]+ \([^)]*:\d+:\d+\)/,
    /\(?(?:file:\/\/)?\/[\w./-]+\.[cm]?[jt]s:\d+:\d+/,
    /node:internal/,
    /\/(?:work|home|root|usr|srv)\/[\w.-]+\//,
    /\b(?:Type|Range|Syntax|Reference|Eval|URI|Aggregate|Http|Imind|Zod)Error\b/,
    /"stack"/,
  ];
  for (const pattern of leaks)
    if (pattern.test(text)) throw new Error(`error body leaks internals (${pattern}): ${text.slice(0, 500)}`);
}
