import type { IncomingMessage, ServerResponse } from 'node:http';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { ObservedRequest } from '../../src/server/logging-access.js';
import { AccessLineWriter } from '../../src/server/logging-access-line.js';
import { BufferedLineWriter } from '../../src/server/logging-destination.js';

function memory() {
  const lines: string[] = [];
  return { lines, stream: { write: (s: string) => void lines.push(s) } };
}

const request = (fields: Partial<ObservedRequest>): ObservedRequest => ({
  req: { method: 'POST' } as IncomingMessage,
  res: {} as ServerResponse,
  id: 'abc-1',
  route: '/predict',
  started: 0,
  ...fields,
});

describe('AccessLineWriter', () => {
  it('writes the line pino would write for the same fields', () => {
    const m = memory();
    const logger = pino({ level: 'info', base: { pid: 42 }, timestamp: () => ',"time":"T"' }, m.stream);
    const writer = new AccessLineWriter(logger);
    writer.write(request({ machineId: 'M "1"\n', isAnomaly: true }), 200, 1050, 'ae-1');
    writer.write(request({ route: 'unknown', readings: 3, anomalies: 0 }), 404, 7, null);
    writer.write(request({ id: 'ünïcode' }), 499, 123_456, 'ae-1');
    logger.info(
      {
        request_id: 'abc-1',
        method: 'POST',
        route: '/predict',
        status: 200,
        latency_ms: 1.05,
        machine_id: 'M "1"\n',
        is_anomaly: true,
        model_version: 'ae-1',
      },
      'request',
    );
    const parsed = m.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(parsed[0]).toEqual(parsed[3]);
    expect(Object.keys(parsed[0]!)).toEqual(Object.keys(parsed[3]!));
    expect(parsed[1]).toEqual({
      level: 30,
      time: 'T',
      pid: 42,
      request_id: 'abc-1',
      method: 'POST',
      route: 'unknown',
      status: 404,
      latency_ms: 0.007,
      readings: 3,
      anomalies: 0,
      msg: 'request',
    });
    expect(parsed[2]).toMatchObject({ request_id: 'ünïcode', status: 499, latency_ms: 123.456 });
    for (const line of m.lines) expect(line.endsWith('}\n')).toBe(true);
  });
});

describe('BufferedLineWriter', () => {
  const writers: BufferedLineWriter[] = [];
  afterEach(() => {
    for (const w of writers.splice(0)) w.close();
  });

  it('writes whole lines in chunks of at most 4096 bytes when processes share the pipe, and the rest on flush', () => {
    const chunks: Buffer[] = [];
    const w = new BufferedLineWriter(
      99,
      { flushMs: 60_000, shared: true },
      (_fd, b) => (chunks.push(Buffer.from(b)), b.length),
    );
    writers.push(w);
    const lines = Array.from({ length: 100 }, (_, i) => `${JSON.stringify({ i, pad: 'x'.repeat(i * 3) })}\n`);
    for (const l of lines) w.write(l);
    expect(chunks.length).toBeGreaterThan(1);
    w.flush();
    for (const c of chunks) {
      expect(c.length).toBeLessThanOrEqual(4096);
      expect(c.at(-1)).toBe(10);
    }
    expect(Buffer.concat(chunks).toString()).toBe(lines.join(''));
  });

  it('keeps lines while the pipe is full (EAGAIN), finishes partial writes, and counts what it had to drop', () => {
    const out: Buffer[] = [];
    let full = true;
    const w = new BufferedLineWriter(99, { flushMs: 60_000, shared: false }, (_fd, b) => {
      if (full) throw Object.assign(new Error('EAGAIN'), { code: 'EAGAIN' });
      const n = Math.min(b.length, 1000); // partial writes
      out.push(Buffer.from(b.subarray(0, n)));
      return n;
    });
    writers.push(w);
    const line = `${'y'.repeat(1023)}\n`;
    const total = 5000; // 5 MB: more than the 4 MiB it may hold
    for (let i = 0; i < total; i++) w.write(line);
    w.flush();
    expect(out).toEqual([]);
    full = false;
    w.flush();
    const text = Buffer.concat(out).toString();
    const kept = text.split('\n').filter((l) => l.startsWith('y')).length;
    expect(kept).toBeGreaterThan(3000);
    expect(kept).toBeLessThan(total);
    w.flush();
    const notice = Buffer.concat(out)
      .toString()
      .split('\n')
      .find((l) => l.startsWith('{'));
    expect(JSON.parse(notice!)).toMatchObject({
      level: 40,
      msg: `${total - kept} log lines were dropped: stderr was not read fast enough`,
    });
  });
});
