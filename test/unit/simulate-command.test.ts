import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { simulateCommand } from '../../src/cli/simulate.js';
import { parseFaultSpec } from '../../src/simulate/index.js';
import { simulateText } from './simulate-helpers.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'imind-simulate-'));
});

afterEach(async () => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
  await rm(dir, { recursive: true, force: true });
});

async function simulate(...args: string[]): Promise<void> {
  const command = simulateCommand().exitOverride();
  await command.parseAsync(args, { from: 'user' });
}

/** Captures what the command writes to stdout (and keeps stderr quiet). */
function captureStdout(onWrite?: (count: number) => void): { text: () => string } {
  const chunks: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation(((chunk: string | Uint8Array) => {
    chunks.push(String(chunk));
    onWrite?.(chunks.length);
    return true;
  }) as typeof process.stdout.write);
  vi.spyOn(process.stderr, 'write').mockImplementation((() => true) as typeof process.stderr.write);
  return { text: () => chunks.join('') };
}

describe('imind simulate', () => {
  it('writes the file atomically, in the format its extension names', async () => {
    const faults = ['overheating@1:10+20', 'stuck_sensor:power@2:5+10'];
    await simulate(
      '--rows',
      '300',
      '--machines',
      '2',
      '--seed',
      '3',
      '--labels',
      '-q',
      '--output',
      join(dir, 'a.csv'),
      ...faults.flatMap((f) => ['--fault', f]),
    );
    await simulate('--rows', '50', '-q', '-o', join(dir, 'b.ndjson'));
    await simulate('--rows', '50', '-q', '-o', join(dir, 'c.json'));
    await simulate('--rows', '50', '-q', '-o', join(dir, 'd.json'), '--format', 'csv');
    expect((await readdir(dir)).sort()).toEqual(['a.csv', 'b.ndjson', 'c.json', 'd.json']);
    expect(await readFile(join(dir, 'a.csv'), 'utf8')).toBe(
      await simulateText({ rows: 300, machines: 2, seed: 3, labels: true, faults: faults.map(parseFaultSpec) }, 'csv'),
    );
    expect(await readFile(join(dir, 'b.ndjson'), 'utf8')).toBe(await simulateText({ rows: 50 }, 'ndjson'));
    expect(await readFile(join(dir, 'c.json'), 'utf8')).toBe(await simulateText({ rows: 50 }, 'json'));
    expect(await readFile(join(dir, 'd.json'), 'utf8')).toBe(await simulateText({ rows: 50 }, 'csv'));
  });

  it('honours --interval and --start (no offset means UTC)', async () => {
    await simulate('--rows', '3', '--interval', '0.5', '--start', '2024-03-01 08:00', '-q', '-o', join(dir, 'x.csv'));
    const lines = (await readFile(join(dir, 'x.csv'), 'utf8')).split('\n');
    expect(lines.slice(1, 4).map((l) => l.split(',')[0])).toEqual([
      '2024-03-01T08:00:00.000Z',
      '2024-03-01T08:00:00.500Z',
      '2024-03-01T08:00:01.000Z',
    ]);
  });

  it('writes CSV to stdout by default and prints a summary to stderr', async () => {
    const out = captureStdout();
    await simulate('--rows', '20');
    expect(out.text()).toBe(await simulateText({ rows: 20 }, 'csv'));
    expect(process.stderr.write).toHaveBeenCalledWith(expect.stringMatching(/^imind: wrote 20 csv rows .* to stdout/));
  });

  it('stops quietly with status 0 when stdout is closed (EPIPE)', async () => {
    const out = captureStdout((count) => {
      if (count === 2) {
        const error = Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
        queueMicrotask(() => process.stdout.emit('error', error));
      }
    });
    await simulate('--rows', '1000000', '--format', 'ndjson');
    expect(out.text().length).toBeLessThan(4 * 64 * 1024);
    expect(process.exitCode ?? 0).toBe(0);
    expect(process.stderr.write).not.toHaveBeenCalled();
  });

  it.each([
    [['--rows', '0'], /--rows/],
    [['--rows', 'ten'], /--rows: expected a whole number/],
    [['--rows', ''], /--rows/],
    [['--machines', '1.5'], /--machines/],
    [['--seed', '-3'], /--seed/],
    [['--interval', '0'], /--interval/],
    [['--interval', '1s'], /--interval/],
    [['--start', '15/01/2024'], /--start: "15\/01\/2024" is not an ISO-8601 time/],
    [['--fault', 'meltdown@1:1+1'], /unknown fault type "meltdown"/],
    [['--fault', 'overheating@2:1+1'], /only 1/],
    [['--rows', '10', '--fault', 'overheating@1:10+5'], /starts after the last reading/],
    [['--output', 'x.txt'], /cannot tell the output format/],
  ])('rejects %j with a usage error and writes nothing', async (args, message) => {
    captureStdout();
    const error = await simulate(...args.map((a) => (a === 'x.txt' ? join(dir, a) : a))).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ImindError', code: 'usage' });
    expect((error as Error).message).toMatch(message);
    expect(process.stdout.write).not.toHaveBeenCalled();
    expect(await readdir(dir)).toEqual([]);
  });

  it('names the folder when it cannot create the file', async () => {
    const error = await simulate('-q', '-o', join(dir, 'missing', 'x.csv')).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ImindError', code: 'output_unwritable' });
    expect((error as Error).message).toMatch(/folder .*missing does not exist/);
  });

  it('leaves no file behind when interrupted (SIGTERM) and exits 143', async () => {
    vi.spyOn(process.stderr, 'write').mockImplementation((() => true) as typeof process.stderr.write);
    const target = join(dir, 'big.csv');
    const listenersBefore = process.listenerCount('SIGTERM');
    const run = simulate('--rows', '50000000', '-q', '-o', target);
    // Wait until the temporary file exists and holds data, then deliver the signal to the listeners.
    for (let i = 0; i < 500; i++) {
      const names = await readdir(dir);
      if (names.some((n) => n.startsWith('.imind-tmp-'))) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect((await readdir(dir)).some((n) => n.startsWith('.imind-tmp-'))).toBe(true);
    process.emit('SIGTERM', 'SIGTERM');
    await run;
    expect(process.exitCode).toBe(143);
    expect(await readdir(dir)).toEqual([]);
    expect(process.stderr.write).toHaveBeenCalledWith(expect.stringMatching(/interrupted; .*big\.csv was not written/));
    expect(process.listenerCount('SIGTERM')).toBe(listenersBefore);
  });
});
