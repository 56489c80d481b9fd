import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Model } from '../../src/model/model.js';
import { errorSchema } from '../../src/server/api-schemas.js';
import { scanJsonLimits } from '../../src/server/limits-json-scan.js';
import { SEED_EXAMPLE, assertCleanBody, fitTestModel, reading, viaHttp } from './server-fixtures.js';
import { bodyOf, rawExchange, serveWith, statusOf, type Served } from './hardening-fixtures.js';

let dir: string;
let model: Model;
let served: Served;

beforeAll(async () => {
  const fitted = await fitTestModel();
  dir = fitted.dir;
  model = await Model.load(fitted.path);
  served = await serveWith(model, {
    settings: { bodyLimitBytes: 64 * 1024 },
    listen: { requestTimeoutMs: 1_500 },
  });
});
afterAll(async () => {
  await served.close();
  await model.dispose();
  await rm(dir, { recursive: true, force: true });
});

const head = (extra: string) =>
  `POST /predict/batch HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n${extra}\r\n`;
const json = JSON.stringify(SEED_EXAMPLE);

describe('scanJsonLimits (the pre-scan before JSON.parse)', () => {
  const limits = { maxDepth: 64, maxStringChars: 10 };
  const scan = (text: string) => scanJsonLimits(Buffer.from(text, 'utf8'), limits);
  const nest = (n: number) => `${'['.repeat(n)}1${']'.repeat(n)}`;

  it('passes bodies within the limits untouched', () => {
    expect(scan(`{"a":${nest(63)}}`)).toEqual({ kind: 'ok' });
    expect(scan('{"ab\\"[[[[":"0123456789","x":"é€😀é€😀é€😀é"}')).toEqual({ kind: 'ok' });
  });

  it('cuts containers deeper than the limit unread, keeping the rest', () => {
    const out = scan(`{"a":${nest(64)},"b":[1,{"c":"]]]"}]}`);
    expect(out.kind).toBe('cut');
    const value = JSON.parse((out as { text: string }).text) as { a: unknown; b: unknown };
    let inner: unknown = value.a;
    let depth = 1;
    while (Array.isArray(inner)) {
      inner = inner[0];
      depth++;
    }
    expect(depth).toBe(64);
    expect(inner).toBeNull();
    expect(value.b).toEqual([1, { c: ']]]' }]);
    expect(scan(`{"a":${'['.repeat(100)}`)).toEqual({ kind: 'unterminated' });
  });

  it('finds a string longer than the limit and says where it is', () => {
    expect(scan('{"readings":[{},{},{"machine_id":"01234567890"}]}')).toEqual({
      kind: 'long_string',
      path: 'readings.2.machine_id',
      key: false,
    });
    expect(scan('{"a":{"01234567890":1}}')).toEqual({ kind: 'long_string', path: 'a', key: true });
    expect(scan('["x","0123456789\\"0"]')).toEqual({ kind: 'long_string', path: '1', key: false });
    // Characters, not bytes: 10 three-byte characters are within a 10-character limit.
    expect(scan(`["${'€'.repeat(10)}"]`)).toEqual({ kind: 'ok' });
  });
});

describe('request size limits over TCP', () => {
  it('answers a declared body over the limit with 413 before reading it, and closes', async () => {
    const out = await rawExchange(served.port, [head('Content-Length: 10485760\r\n')]);
    expect(statusOf(out.text)).toBe(413);
    expect(errorSchema.parse(bodyOf(out.text)).error).toBe('payload_too_large');
    expect(out.text).toMatch(/\r\nconnection: close\r\n/i);
    expect(out.closedByServer).toBe(true);
  });

  it('stops an endless chunked body at the limit with 413 instead of buffering it', async () => {
    const piece = `{"readings":[${`${json},`.repeat(400)}`;
    function* endless() {
      yield head('Transfer-Encoding: chunked\r\n');
      for (let i = 0; i < 100_000; i++) yield `${Buffer.byteLength(piece).toString(16)}\r\n${piece}\r\n`;
    }
    const out = await rawExchange(served.port, endless);
    expect(statusOf(out.text)).toBe(413);
    expect(out.closedByServer).toBe(true);
    // What was sent before the answer: the limit (64 KiB) plus what the socket buffers held, far from everything (5 GB).
    expect(out.writtenBeforeAnswer).toBeLessThan(16 * 1024 * 1024);
  });

  it('answers a Content-Length shorter than the body with 400s, never 5xx, and keeps serving', async () => {
    const body = JSON.stringify({ readings: [SEED_EXAMPLE] });
    const out = await rawExchange(served.port, [head('Content-Length: 12\r\n') + body], { idleMs: 1_000 });
    const statuses = [...out.text.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1]));
    expect(statuses.length).toBeGreaterThan(0);
    for (const s of statuses) expect(s).toBe(400);
    expect((await viaHttp(served.url, { method: 'POST', url: '/predict', body: SEED_EXAMPLE })).status).toBe(200);
  });

  it('answers a Content-Length longer than the body with 408 once the request timeout passes', async () => {
    const out = await rawExchange(served.port, [head('Content-Length: 5000\r\n') + json], { idleMs: 6_000 });
    expect(statusOf(out.text)).toBe(408);
    expect(errorSchema.parse(bodyOf(out.text)).error).toBe('request_timeout');
  });

  it('cuts off a client that sends its headers slowly (408)', async () => {
    function* trickle() {
      yield 'POST /predict HTTP/1.1\r\nHost: localhost\r\n';
      for (let i = 0; i < 100; i++) yield `X-Slow-${i}: 1\r\n`;
    }
    const out = await rawExchange(served.port, trickle, { gapMs: 200, idleMs: 6_000 });
    expect(statusOf(out.text)).toBe(408);
    expect(out.closedByServer).toBe(true);
  });

  it('refuses both Content-Length and Transfer-Encoding (request smuggling) with 400', async () => {
    const out = await rawExchange(
      served.port,
      [head('Content-Length: 4\r\nTransfer-Encoding: chunked\r\n') + '0\r\n\r\n'],
      {
        idleMs: 1_000,
      },
    );
    expect(statusOf(out.text)).toBe(400);
  });

  it('answers a long URL with 414 and huge headers with 431, in the error shape', async () => {
    const long = await viaHttp(served.url, { url: `/predict?${'q'.repeat(3000)}` });
    expect(long.status).toBe(414);
    expect(errorSchema.parse(long.json()).error).toBe('uri_too_long');
    const huge = await rawExchange(served.port, [`GET /${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`]);
    expect(statusOf(huge.text)).toBe(414);
    const headers = await rawExchange(served.port, [
      `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(20_000)}\r\n\r\n`,
    ]);
    expect(statusOf(headers.text)).toBe(431);
    expect(errorSchema.parse(bodyOf(headers.text)).error).toBe('headers_too_large');
  });
});

describe('JSON limits over TCP', () => {
  it('refuses a string over 10,000 characters with 422 naming its field', async () => {
    const res = await viaHttp(served.url, {
      method: 'POST',
      url: '/predict/batch',
      body: { readings: [reading(), reading({ machine_id: 'M'.repeat(20_000) })] },
    });
    expect(res.status).toBe(422);
    expect(res.json().issues).toEqual([{ path: 'readings.1.machine_id', message: 'is longer than 10000 characters' }]);
    const key = await viaHttp(served.url, {
      method: 'POST',
      url: '/predict',
      body: { ...reading(), ['k'.repeat(20_000)]: 1 },
    });
    expect(key.status).toBe(422);
    expect(key.json().issues).toEqual([{ path: '', message: 'has a field name longer than 10000 characters' }]);
    assertCleanBody(key.text);
  });

  it('reads a body nested 60,000 deep only to depth 64 and answers 422', async () => {
    const body = `{"readings":[${'['.repeat(30_000)}${']'.repeat(30_000)}]}`;
    const res = await viaHttp(served.url, {
      method: 'POST',
      url: '/predict/batch',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(res.status).toBe(422);
    expect(res.json().issues).toEqual([{ path: 'readings.0', message: 'must be an object, got an array' }]);
  });

  it('refuses a body that is not UTF-8 with 400', async () => {
    const bytes = Buffer.concat([
      Buffer.from('{"timestamp":"2024-01-15T10:30:00Z","machine_id":"M'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from(json.slice(json.indexOf('","temperature'))),
    ]);
    const res = await viaHttp(served.url, {
      method: 'POST',
      url: '/predict',
      headers: { 'content-type': 'application/json' },
      body: bytes,
    });
    expect(res.status).toBe(400);
    expect(res.json()).toMatchObject({ error: 'malformed_json', detail: 'the request body is not valid UTF-8' });
  });

  it('still serves after all of the above', async () => {
    expect((await viaHttp(served.url, { url: '/health' })).status).toBe(200);
    expect((await viaHttp(served.url, { method: 'POST', url: '/predict', body: SEED_EXAMPLE })).status).toBe(200);
  });
});
