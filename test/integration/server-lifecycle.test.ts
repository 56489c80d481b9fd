import { rm } from 'node:fs/promises';
import { Agent, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Model } from '../../src/model/model.js';
import { buildApp } from '../../src/server/app.js';
import type { ScoringModel } from '../../src/server/scoring-service.js';
import { startServer } from '../../src/server/server.js';
import { SEED_EXAMPLE, fitTestModel, viaHttp } from './server-fixtures.js';

let dir: string;
let path: string;

beforeAll(async () => {
  ({ dir, path } = await fitTestModel());
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('live vs ready over TCP', () => {
  it('listens at once; /ready is 503 until the model loaded and a test score succeeded', async () => {
    let resolve!: (m: ScoringModel) => void;
    const app = buildApp({ model: new Promise<ScoringModel>((r) => (resolve = r)) });
    const server = await startServer(app, { host: '127.0.0.1', port: 0 });
    try {
      expect((await viaHttp(server.url, { url: '/health' })).status).toBe(200);
      const before = await viaHttp(server.url, { url: '/ready' });
      expect(before.status).toBe(503);
      expect(before.json().error).toBe('not_ready');
      resolve(await Model.load(path));
      await app.state.settled;
      expect((await viaHttp(server.url, { url: '/ready' })).status).toBe(200);
    } finally {
      await server.shutdown();
    }
  });
});

describe('clients that go away', () => {
  it('survives a client that disconnects mid-body, and serves the next one', async () => {
    const app = buildApp({ model: Model.load(path) });
    const server = await startServer(app, { host: '127.0.0.1', port: 0 });
    try {
      await app.state.settled;
      const arrived = once(server.server, 'request');
      const req = request(`${server.url}/predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': '1000' },
      });
      req.on('error', () => undefined);
      req.write('{"timestamp":');
      const [, res] = (await arrived) as [IncomingMessage, ServerResponse];
      req.destroy();
      await once(res, 'close');
      const next = await viaHttp(server.url, { method: 'POST', url: '/predict', body: SEED_EXAMPLE });
      expect(next.status).toBe(200);
    } finally {
      await server.shutdown();
    }
  });
});

describe('graceful shutdown', () => {
  it('finishes an in-flight request, refuses new connections, then releases the model', async () => {
    const model = await Model.load(path);
    let disposed = false;
    const tracked: ScoringModel = {
      schema: model.schema,
      version: model.version,
      threshold: model.threshold,
      inputWidth: model.inputWidth,
      stateful: model.stateful,
      scoreMatrix: (input, n) => model.scoreMatrix(input, n),
      predict: (r) => model.predict(r),
      dispose: async () => {
        disposed = true;
        await model.dispose();
      },
    };
    const app = buildApp({ model: tracked });
    const server = await startServer(app, { host: '127.0.0.1', port: 0 });
    await app.state.settled;

    // A request whose body is still arriving when shutdown begins.
    const body = JSON.stringify(SEED_EXAMPLE);
    const arrived = once(server.server, 'request');
    const req = request(`${server.url}/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': String(body.length) },
    });
    const response = once(req, 'response');
    req.write(body.slice(0, 20));
    await arrived;

    const stopped = server.shutdown();
    expect(app.state.ready).toBe(false);
    req.end(body.slice(20));
    const [res] = (await response) as [IncomingMessage];
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    expect(res.statusCode).toBe(200);
    expect(res.headers.connection).toBe('close');
    expect(JSON.parse(Buffer.concat(chunks).toString('utf8')).machine_id).toBe('MACHINE_001');

    await stopped;
    expect(disposed).toBe(true);
    await expect(viaHttp(server.url, { url: '/health' })).rejects.toThrow(/ECONNREFUSED/);
    // Calling it again is harmless.
    await server.shutdown();
  });

  it('closes idle keep-alive connections at once', async () => {
    const app = buildApp({ model: Model.load(path) });
    const server = await startServer(app, { host: '127.0.0.1', port: 0 });
    await app.state.settled;
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const req = request(`${server.url}/health`, { agent });
    const [socket] = (await once(req.end(), 'socket')) as [Socket];
    const [first] = (await once(req, 'response')) as [IncomingMessage];
    first.resume();
    await once(first, 'end');
    expect(first.headers.connection).toBe('keep-alive');
    const closed = once(socket, 'close');
    await server.shutdown();
    await closed;
    agent.destroy();
  });
});
