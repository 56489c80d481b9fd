import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { looksClean, repoRoot, startCli } from '../helpers/run-cli.js';
import { fitTestModel } from '../integration/server-fixtures.js';

let dir: string;
let modelPath: string;
let modelVersion: string;

beforeAll(async () => {
  ({ dir, path: modelPath } = await fitTestModel());
  modelVersion = (JSON.parse(readFileSync(join(modelPath, 'model.json'), 'utf8')) as { modelVersion: string })
    .modelVersion;
});
const started = new Set<ChildProcess>();
afterEach(() => {
  // A failed test must not leave a server behind.
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  started.clear();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Serving {
  child: ChildProcess;
  stderr: () => string;
  /** Resolves once stderr holds `count` matches of `pattern`. */
  logged: (pattern: RegExp, count: number) => Promise<void>;
  /** Resolves with the URL of the first "listening" log line. */
  url: Promise<string>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function serve(args: string[], env: NodeJS.ProcessEnv = {}): Serving {
  const child = startCli(['serve', '--port', '0', ...args], { env });
  started.add(child);
  let err = '';
  const url = new Promise<string>((resolve, reject) => {
    child.stderr!.on('data', (c: Buffer) => {
      err += c.toString('utf8');
      const m = /"msg":"listening on (http:\/\/[^"]+)"/.exec(err);
      if (m) resolve(m[1]!);
    });
    child.once('exit', () => reject(new Error(`exited before listening:\n${err}`)));
  });
  url.catch(() => undefined);
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const logged = (pattern: RegExp, count: number) =>
    new Promise<void>((resolve) => {
      const check = () => {
        if ((err.match(new RegExp(pattern.source, 'g')) ?? []).length >= count) {
          child.stderr!.off('data', check);
          resolve();
        }
      };
      child.stderr!.on('data', check);
      check();
    });
  return { child, stderr: () => err, logged, url, exit };
}

async function untilReady(url: string): Promise<void> {
  for (;;) {
    const res = await fetch(`${url}/ready`).catch(() => null);
    if (res?.status === 200) return;
    await res?.arrayBuffer();
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The seed's "Client Usage" snippet, translated to fetch: same URL path, same body. */
async function seedClient(base: string, timestamp: string) {
  const reading = {
    timestamp,
    machine_id: 'MACHINE_001',
    temperature: 85.0,
    vibration: 2.5,
    pressure: 45.0,
    power: 250.0,
  };
  const response = await fetch(`${base}/predict`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(reading),
  });
  const result = (await response.json()) as { is_anomaly: boolean; anomaly_score: number; confidence: number };
  return {
    status: response.status,
    lines: [
      `Anomaly: ${result.is_anomaly}`,
      `Score: ${result.anomaly_score.toFixed(4)}`,
      `Confidence: ${result.confidence.toFixed(2)}`,
    ],
  };
}

describe('imind serve (built CLI as a process)', () => {
  it("serves the seed's client code, then stops on SIGTERM with exit 0 and clean logs", async () => {
    const s = serve(['--model', modelPath]);
    const url = await s.url;
    await untilReady(url);
    for (const ts of [new Date().toISOString(), `${new Date().toISOString().slice(0, 23)}456`]) {
      const out = await seedClient(url, ts);
      expect(out.status).toBe(200);
      expect(out.lines[0]).toBe('Anomaly: true');
      expect(out.lines[1]).toMatch(/^Score: \d+\.\d{4}$/);
      expect(out.lines[2]).toMatch(/^Confidence: (0\.\d\d|1\.00)$/);
    }
    s.child.kill('SIGTERM');
    expect(await s.exit).toEqual({ code: 0, signal: null });
    const lines = s.stderr().trim().split('\n');
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
    expect(s.stderr()).toMatch(/model loaded and tested: ready/);
    expect(s.stderr()).toMatch(/"msg":"stopped"/);
    expect(looksClean(s.stderr())).toBe(true);
  });

  it('stops on SIGINT too (exit 0)', async () => {
    const s = serve(['--model', modelPath]);
    await untilReady(await s.url);
    s.child.kill('SIGINT');
    expect((await s.exit).code).toBe(0);
  });

  it('exits 6 with a clear message when the model cannot be loaded', async () => {
    const s = serve(['--model', join(dir, 'no-such-model')]);
    const { code } = await s.exit;
    expect(code).toBe(6);
    expect(s.stderr()).toContain('imind: error: model not found');
    expect(s.stderr()).toContain('imind: hint:');
    expect(looksClean(s.stderr())).toBe(true);
  });

  it('exits 2 with a clear message when the port is taken', async () => {
    const blocker = createServer().listen(0, '127.0.0.1');
    await new Promise((r) => blocker.once('listening', r));
    const port = (blocker.address() as AddressInfo).port;
    try {
      const child = startCli(['serve', '--model', modelPath, '--port', String(port)]);
      started.add(child);
      let err = '';
      child.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
      const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
      expect(code).toBe(2);
      expect(err).toContain('the address is in use');
      expect(looksClean(err)).toBe(true);
    } finally {
      blocker.close();
    }
  });

  it('takes the model from IMIND_MODEL when --model is not given', async () => {
    const s = serve([], { IMIND_MODEL: modelPath });
    const url = await s.url;
    await untilReady(url);
    const health = (await (await fetch(`${url}/health`)).json()) as { model_version: string };
    expect(health.model_version).toBe(modelVersion);
    s.child.kill('SIGTERM');
    expect((await s.exit).code).toBe(0);
  });

  it("defaults to the package's models/default", async () => {
    const defaultModel = join(repoRoot, 'models', 'default', 'model.json');
    const s = serve([], { IMIND_MODEL: '' });
    if (!existsSync(defaultModel)) {
      expect((await s.exit).code).toBe(6);
      expect(s.stderr()).toContain('models/default');
      return;
    }
    const url = await s.url;
    await untilReady(url);
    const health = (await (await fetch(`${url}/health`)).json()) as { model_version: string };
    expect(health.model_version).toBe(
      (JSON.parse(readFileSync(defaultModel, 'utf8')) as { modelVersion: string }).modelVersion,
    );
    s.child.kill('SIGTERM');
    expect((await s.exit).code).toBe(0);
  });

  it('runs N worker processes on one port with --workers, and stops them all on SIGTERM', async () => {
    const s = serve(['--model', modelPath, '--workers', '2']);
    const url = await s.url;
    await untilReady(url);
    const pids = new Set<number>();
    // Both workers log "listening"; connections are handed out round-robin.
    await s.logged(/listening on/, 2);
    const urls = new Set<string>();
    for (const line of s
      .stderr()
      .split('\n')
      .filter((l) => l.includes('listening on'))) {
      const entry = JSON.parse(line) as { pid: number; url: string };
      pids.add(entry.pid);
      urls.add(entry.url);
    }
    expect(pids.size).toBe(2);
    expect([...urls]).toEqual([url]);
    const results = await Promise.all(Array.from({ length: 8 }, () => seedClient(url, new Date().toISOString())));
    expect(results.every((r) => r.status === 200 && r.lines[0] === 'Anomaly: true')).toBe(true);
    s.child.kill('SIGTERM');
    expect(await s.exit).toEqual({ code: 0, signal: null });
    expect(s.stderr().match(/"msg":"stopped"/g)).toHaveLength(2);
  });

  it('exits 6 in cluster mode when the workers cannot load the model', async () => {
    const s = serve(['--model', join(dir, 'no-such-model'), '--workers', '2']);
    expect((await s.exit).code).toBe(6);
    expect(s.stderr()).toMatch(/a worker failed to start/);
  });
});
