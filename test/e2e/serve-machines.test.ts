import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { looksClean, startCli } from '../helpers/run-cli.js';
import { fitTestModel } from '../integration/server-fixtures.js';

/** `imind serve --machines-dir` as a process: fitted machines survive a restart; slow fits leave the server answering. */

let dir: string;
let modelPath: string;
const started = new Set<ChildProcess>();

beforeAll(async () => {
  ({ dir, path: modelPath } = await fitTestModel());
});
afterEach(() => {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  started.clear();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function serve(args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = startCli(['serve', '--port', '0', '--model', modelPath, ...args], { env });
  started.add(child);
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString('utf8')));
  const url = new Promise<string>((resolve, reject) => {
    const check = () => {
      const m = /listening on (http:\/\/[^"\s]+)/.exec(err);
      if (m) resolve(m[1]!);
    };
    child.stderr!.on('data', check);
    child.once('exit', () => reject(new Error(`exited before listening:\n${err}`)));
  });
  url.catch(() => undefined);
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, url, exit, stderr: () => err };
}

async function untilReady(url: string): Promise<void> {
  for (const deadline = Date.now() + 30_000; ;) {
    if (Date.now() > deadline) throw new Error(`${url} did not turn ready in 30 s`);
    const res = await fetch(`${url}/ready`).catch(() => null);
    if (res?.status === 200) return;
    await res?.arrayBuffer();
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Waits until the server's log holds `text` (pipes and sockets are not ordered with each other). */
async function logged(s: { stderr: () => string }, text: string): Promise<void> {
  for (const deadline = Date.now() + 30_000; !s.stderr().includes(text);) {
    if (Date.now() > deadline) throw new Error(`the log never said ${JSON.stringify(text)}:\n${s.stderr()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const baseline = (n: number, id: string) => ({
  readings: Array.from({ length: n }, (_, i) => ({
    timestamp: new Date(Date.UTC(2024, 0, 15, 8) + i * 1000).toISOString(),
    machine_id: id,
    temperature: 90 + Math.sin(i / 7),
    vibration: 2.4 + 0.05 * Math.cos(i / 5),
    pressure: 45 + Math.sin(i / 3),
    power: 250 + 3 * Math.cos(i / 11),
  })),
});

const postJson = (url: string, body: unknown) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('imind serve --machines-dir (built CLI as a process)', () => {
  it('keeps fitted machines across a restart (flag, then IMIND_MACHINES_DIR); fits autoencoders off the event loop', async () => {
    const machinesDir = await mkdtemp(join(tmpdir(), 'imind-e2e-machines-'));
    try {
      const first = serve(['--machines-dir', machinesDir]);
      const url = await first.url;
      await untilReady(url);
      await logged(first, `0 machine models loaded from ${machinesDir}`);

      const fit = postJson(`${url}/machines/PUMP-7/baseline?detector=window-autoencoder`, baseline(1000, 'PUMP-7'));
      // While the worker thread fits, the server keeps answering.
      const health = await fetch(`${url}/health`);
      expect(health.status).toBe(200);
      const fitted = await fit;
      expect(fitted.status).toBe(200);
      expect(await fitted.json()).toMatchObject({
        machine_id: 'PUMP-7',
        detector: 'window-autoencoder',
        persisted: true,
      });
      expect((await postJson(`${url}/machines/PUMP-8/baseline`, baseline(400, 'PUMP-8'))).status).toBe(200);
      first.child.kill('SIGTERM');
      expect(await first.exit).toBe(0);

      const second = serve([], { IMIND_MACHINES_DIR: machinesDir });
      const url2 = await second.url;
      await untilReady(url2);
      const list = (await (await fetch(`${url2}/machines`)).json()) as { machines: { machine_id: string }[] };
      expect(list.machines.map((m) => m.machine_id)).toEqual(['PUMP-7', 'PUMP-8']);
      await logged(second, `2 machine models loaded from ${machinesDir}`);
      second.child.kill('SIGTERM');
      expect(await second.exit).toBe(0);
      expect(looksClean(first.stderr() + second.stderr())).toBe(true);
    } finally {
      await rm(machinesDir, { recursive: true, force: true });
    }
  });

  it('says at start when fitted machines live in memory only', async () => {
    const s = serve([]);
    await untilReady(await s.url);
    await logged(s, 'live in memory only and are lost at restart');
    s.child.kill('SIGTERM');
    expect(await s.exit).toBe(0);
  });

  it('built: the worker script of off-thread fits ships in dist', () => {
    expect(existsSync(new URL('../../dist/server/machine-fit-worker.js', import.meta.url))).toBe(true);
  });
});
