import { request as httpRequest } from 'node:http';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { inject } from 'light-my-request';
import { pino, type Logger } from 'pino';
import { DEFAULT_AUTOENCODER_OPTIONS, fitAutoencoder } from '../../src/detectors/fit-autoencoder.js';
import { writeModelFiles } from '../../src/model/model-files.js';
import { builtinSchemas } from '../../src/schema/builtin-schemas.js';
import type { App } from '../../src/server/app.js';
import { Prng } from '../../src/util/prng.js';

/** Fits a small model (15 epochs on 2000 correlated synthetic rows, ~100 ms) into a new temp folder. */
export async function fitTestModel(): Promise<{ dir: string; path: string }> {
  const rng = new Prng(7);
  const rows = 2000;
  const values = new Float64Array(rows * 4);
  for (let r = 0; r < rows; r++) {
    const load = 1 + 0.1 * rng.normal();
    values.set(
      [
        55 + 10 * load + 0.3 * rng.normal(),
        1.2 * load + 0.03 * rng.normal(),
        40 + 5 * load + 0.3 * rng.normal(),
        250 * load + 3 * rng.normal(),
      ],
      r * 4,
    );
  }
  const schema = builtinSchemas.get('default')!;
  const fitted = fitAutoencoder(
    { schema, values, rows, dataSha256: 'x', files: ['synthetic'] },
    { ...DEFAULT_AUTOENCODER_OPTIONS, epochs: 15 },
  );
  const dir = await mkdtemp(join(tmpdir(), 'imind-server-'));
  const path = join(dir, 'model');
  await writeModelFiles(path, fitted.onnxBytes, fitted.metadata);
  return { dir, path };
}

/** The seed's example reading (its own "…Z" timestamp). */
export const SEED_EXAMPLE = {
  timestamp: '2024-01-15T10:30:00Z',
  machine_id: 'MACHINE_001',
  temperature: 65.5,
  vibration: 1.2,
  pressure: 45.0,
  power: 250.0,
};

export const reading = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  ...SEED_EXAMPLE,
  ...overrides,
});

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json(): Record<string, unknown>;
}

export interface Req {
  method?: string;
  url: string;
  headers?: Record<string, string>;
  /** An object is sent as JSON (with Content-Type: application/json unless headers say otherwise). */
  body?: string | Buffer | object;
}

function prepare(req: Req): { headers: Record<string, string>; payload: string | Buffer | undefined } {
  const headers = { ...(req.headers ?? {}) };
  let payload: string | Buffer | undefined;
  if (req.body === undefined) payload = undefined;
  else if (typeof req.body === 'string' || Buffer.isBuffer(req.body)) payload = req.body;
  else {
    payload = JSON.stringify(req.body);
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type'))
      headers['content-type'] = 'application/json';
  }
  return { headers, payload };
}

const reply = (status: number, headers: Reply['headers'], text: string): Reply => ({
  status,
  headers,
  text,
  json: () => JSON.parse(text) as Record<string, unknown>,
});

/** A request through app.handle in memory (light-my-request), no socket. */
export async function viaInject(app: App, req: Req): Promise<Reply> {
  const { headers, payload } = prepare(req);
  const res = await inject(app.handle, { method: (req.method ?? 'GET') as 'GET', url: req.url, headers, payload });
  return reply(res.statusCode, res.headers as Reply['headers'], res.payload);
}

/** A request over TCP with node:http (full control of headers, unlike fetch). */
export function viaHttp(baseUrl: string, req: Req): Promise<Reply> {
  const { headers, payload } = prepare(req);
  return new Promise((resolve, reject) => {
    const r = httpRequest(new URL(req.url, baseUrl), { method: req.method ?? 'GET', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(reply(res.statusCode ?? 0, res.headers, Buffer.concat(chunks).toString('utf8'))));
      res.on('error', reject);
    });
    r.on('error', reject);
    r.end(payload);
  });
}

/** A pino logger whose lines the test can read. */
export function memoryLogger(level = 'info'): { logger: Logger; lines: () => Record<string, unknown>[] } {
  const out: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      out.push(chunk.toString('utf8'));
      done();
    },
  });
  const logger = pino({ level }, stream);
  return {
    logger,
    lines: () =>
      out
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

/** Nothing a client should ever see in an error body. */
export function assertCleanBody(text: string): void {
  const bad = [
    /\bat .+:\d+:\d+/,
    /node:internal/,
    /\/(?:work|home|tmp|src|dist)\//,
    /\.[jt]s\b/,
    /\b[A-Z][a-zA-Z]*Error\b/,
    /stack/i,
  ];
  for (const pattern of bad)
    if (pattern.test(text)) throw new Error(`error body leaks internals (${pattern}): ${text}`);
}
