import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { looksClean, runCli } from '../helpers/run-cli.js';
import { fitTestModel } from '../integration/server-fixtures.js';
import { startServe, untilReady } from './hardening-helpers.js';

let dir: string;
let modelPath: string;
const started = new Set<ChildProcess>();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'imind-keys-e2e-'));
  modelPath = (await fitTestModel()).path;
});
afterEach(() => {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  started.clear();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await rm(join(modelPath, '..'), { recursive: true, force: true });
});

const KEY = /^imk_[A-Za-z0-9_-]{43}$/;
const reading = {
  timestamp: '2024-01-15T10:30:00Z',
  machine_id: 'MACHINE_001',
  temperature: 65.5,
  vibration: 1.2,
  pressure: 45,
  power: 250,
};

describe('imind keys (built CLI)', () => {
  it('add prints the key once, alone on the last line of stdout; the file keeps only its hash (0600)', async () => {
    const file = join(dir, 'keys.json');
    const r = runCli(['keys', 'add', 'ci-runner', '--scopes', 'predict', '--keys-file', file]);
    expect(r.status).toBe(0);
    const lines = r.stdout.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines.at(-1)).toMatch(KEY);
    expect(r.stdout.endsWith('\n')).toBe(true);
    expect(r.stderr).toContain('added key ci-runner');
    const text = await readFile(file, 'utf8');
    expect(text).not.toContain(lines[0]!.slice(4));
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const list = runCli(['keys', 'list'], { env: { IMIND_API_KEYS_FILE: file } });
    expect(list.status).toBe(0);
    expect(list.stdout).toMatch(/^NAME\s+SCOPES\s+CREATED\s+KEY\n/);
    expect(list.stdout).toMatch(/ci-runner\s+predict\s+\d{4}-\d\d-\d\dT[\d:.]+Z\s+imk_[A-Za-z0-9_-]{4}…\n/);
    const json = runCli(['keys', 'list', '--json', '--keys-file', file]);
    const rows = JSON.parse(json.stdout) as Record<string, unknown>[];
    expect(rows).toEqual([expect.objectContaining({ name: 'ci-runner', scopes: ['predict'] })]);
    expect(json.stdout).not.toContain(lines[0]!.slice(8));
  });

  it('uses ./imind-keys.json when neither --keys-file nor IMIND_API_KEYS_FILE is given', async () => {
    const cwd = await mkdtemp(join(dir, 'cwd-'));
    const r = runCli(['keys', 'add', 'local'], { cwd, env: { IMIND_API_KEYS_FILE: '' } });
    expect(r.status).toBe(0);
    expect(JSON.parse(await readFile(join(cwd, 'imind-keys.json'), 'utf8')).keys[0].name).toBe('local');
  });

  it('fails clearly: usage errors exit 2, an unreadable keys file exits 5, never a stack trace', async () => {
    const file = join(dir, 'errors.json');
    expect(runCli(['keys', 'add', 'a', '--keys-file', file]).status).toBe(0);
    const bad = join(dir, 'bad.json');
    await writeFile(bad, '{"version":1,"keys":[{"name":"x"');
    const cases: [string[], number, RegExp][] = [
      [['keys', 'add', 'a', '--keys-file', file], 2, /a key named a exists already/],
      [['keys', 'add', 'b', '--scopes', 'predict,root', '--keys-file', file], 2, /unknown scope "root"/],
      [['keys', 'add', 'no spaces', '--keys-file', file], 2, /invalid key name/],
      [['keys', 'revoke', 'zzz', '--keys-file', file], 2, /no key named zzz/],
      [['keys', 'list', '--keys-file', bad], 5, /keys file .* is malformed/],
      [['keys', 'add', 'c', '--keys-file', join(dir, 'no-such-dir', 'k.json')], 5, /cannot (write|lock) the keys file/],
    ];
    for (const [args, status, message] of cases) {
      const r = runCli(args);
      expect(r.status, args.join(' ')).toBe(status);
      expect(r.stderr).toMatch(message);
      expect(r.stdout).toBe('');
      expect(looksClean(r.stderr)).toBe(true);
    }
  });
});

describe('imind serve with API keys (built CLI as a process)', () => {
  it('says it runs open when there are no keys', async () => {
    const s = startServe(['--model', modelPath, '--keys-file', join(dir, 'none.json')], {}, started);
    const url = await s.url;
    await untilReady(url);
    expect(s.stderr()).toMatch(/"level":40.*no API keys in .*none\.json: the API is open/);
    const res = await fetch(`${url}/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(reading),
    });
    expect(res.status).toBe(200);
    s.child.kill('SIGTERM');
    expect((await s.exit).code).toBe(0);
  });

  it('requires X-API-Key once the file holds a key, and refuses a revoked key within seconds', async () => {
    const file = join(dir, 'serve-keys.json');
    const key1 = runCli(['keys', 'add', 'one', '--keys-file', file]).stdout.trim();
    const key2 = runCli(['keys', 'add', 'two', '--keys-file', file]).stdout.trim();
    const s = startServe(['--model', modelPath], { IMIND_API_KEYS_FILE: file }, started);
    const url = await s.url;
    await untilReady(url);
    expect(s.stderr()).toMatch(/API keys required \(X-API-Key\): 2/);
    const call = (key?: string) =>
      fetch(`${url}/predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(key ? { 'x-api-key': key } : {}) },
        body: JSON.stringify(reading),
      }).then(async (r) => ({ status: r.status, body: (await r.json()) as { error?: string } }));
    expect(await call()).toMatchObject({ status: 401, body: { error: 'unauthorized' } });
    expect((await call('imk_guess')).status).toBe(401);
    expect((await call(key1)).status).toBe(200);
    expect((await fetch(`${url}/health`)).status).toBe(200);
    expect(runCli(['keys', 'revoke', 'one', '--keys-file', file]).status).toBe(0);
    let status = 200;
    for (let i = 0; i < 100 && status === 200; i++) {
      await new Promise((r) => setTimeout(r, 100));
      status = (await call(key1)).status;
    }
    expect(status).toBe(401);
    expect((await call(key2)).status).toBe(200);
    s.child.kill('SIGTERM');
    expect((await s.exit).code).toBe(0);
  });

  it('exits 5 with a clear message when the keys file is malformed', async () => {
    const bad = join(dir, 'serve-bad.json');
    await writeFile(bad, '[1,2,3]');
    const s = startServe(['--model', modelPath, '--keys-file', bad], {}, started);
    expect((await s.exit).code).toBe(5);
    expect(s.stderr()).toMatch(/imind: error: the keys file .* is malformed/);
    expect(looksClean(s.stderr())).toBe(true);
  });
});
