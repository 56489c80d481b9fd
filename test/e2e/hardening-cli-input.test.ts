import { createWriteStream } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { looksClean, runCli, startCli } from '../helpers/run-cli.js';
import { runCliAsync } from './hardening-helpers.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'imind-malformed-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const HEADER = 'timestamp,machine_id,temperature,vibration,pressure,power\n';
const ROW = '2024-01-15T10:30:00Z,M1,65.5,1.2,45,250\n';
const LINE =
  '{"timestamp":"2024-01-15T10:30:00Z","machine_id":"M1","temperature":65.5,"vibration":1.2,"pressure":45,"power":250}\n';

/** Writes `parts` to a file, repeating the string parts of [text, times] pairs (for 100 MB lines). */
async function writeParts(path: string, parts: (string | Buffer | [string, number])[]): Promise<void> {
  const out = createWriteStream(path);
  for (const part of parts) {
    const items =
      Array.isArray(part) && typeof part[1] === 'number'
        ? Array<string>(part[1]).fill(part[0])
        : [part as string | Buffer];
    for (const item of items) if (!out.write(item)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
}

const MiB = 'x'.repeat(1024 * 1024);

interface Case {
  name: string;
  file: string;
  parts: (string | Buffer | [string, number])[];
  status: 3 | 5;
  message: RegExp;
  /** Exit 3: the data rows that must be in the output. */
  scored?: number[];
}

const CASES: Case[] = [
  {
    name: 'binary garbage',
    file: 'garbage.csv',
    parts: [Buffer.from([0x00, 0xff, 0xfe, 0x10, 0x0a, 0x41, 0x80, 0x0a])],
    status: 5,
    message: /input is not valid UTF-8 \(in the header\)/,
  },
  {
    name: 'invalid UTF-8 in a row',
    file: 'latin1.csv',
    parts: [HEADER, ROW, Buffer.from('2024-01-15T10:30:00Z,M\xe91,65,1.2,45,250\n', 'latin1')],
    status: 5,
    message: /input is not valid UTF-8 \(in row 2\)/,
  },
  {
    name: 'an unterminated quote',
    file: 'quote.csv',
    parts: [HEADER, ROW, '2024-01-15T10:30:00Z,"M1,65,1.2,45,250\n', ROW],
    status: 5,
    message: /row 2: a quoted field opens there and is never closed/,
  },
  {
    name: 'a 100 MB CSV line',
    file: 'long.csv',
    parts: [HEADER, ROW, '2024-01-15T10:30:00Z,', [MiB, 100], ',65,1.2,45,250\n', ROW],
    status: 3,
    message: /row 2: record is longer than 1048576 characters; skipped/,
    scored: [1, 3],
  },
  {
    name: 'a 100 MB NDJSON line',
    file: 'long.ndjson',
    parts: [LINE, '{"machine_id":"', [MiB, 100], '"}\n', LINE],
    status: 3,
    message: /row 2: line is longer than 1048576 characters; skipped/,
    scored: [1, 3],
  },
  {
    name: 'a duplicate header column',
    file: 'dup.csv',
    parts: [
      'timestamp,machine_id,temperature,temperature,vibration,pressure,power\n',
      '2024-01-15T10:30:00Z,M1,65,65,1.2,45,250\n',
    ],
    status: 5,
    message: /header names column "temperature" twice/,
  },
  {
    name: 'a missing header column',
    file: 'missing.csv',
    parts: ['timestamp,machine_id,temperature,pressure,power\n', '2024-01-15T10:30:00Z,M1,65,45,250\n'],
    status: 5,
    message: /header has no "vibration" column/,
  },
  {
    name: 'JSON that is not an array',
    file: 'object.json',
    parts: [LINE],
    status: 5,
    message: /the JSON document is not an array/,
  },
  {
    name: 'a JSON array that never ends',
    file: 'open.json',
    parts: ['[', LINE, ',', LINE],
    status: 5,
    message: /the JSON array is not closed: the input ends inside row 2/,
  },
  {
    name: 'NDJSON with broken lines',
    file: 'broken.ndjson',
    parts: [LINE, '{"timestamp":"2024-01-15T10:3\n', LINE, '}{\n'],
    status: 3,
    message: /row 2: not valid JSON/,
    scored: [1, 3],
  },
  { name: 'an empty file', file: 'empty.csv', parts: [''], status: 5, message: /input is empty/ },
  {
    name: 'a header and no rows',
    file: 'header.csv',
    parts: [HEADER],
    status: 5,
    message: /input has a header but no data rows/,
  },
];

describe('malformed input files through the built CLI', () => {
  for (const c of CASES) {
    it(`${c.name}: exit ${c.status}, a message naming where, ${c.status === 5 ? 'no output file' : 'the valid rows written'}, no stack trace`, async () => {
      const input = join(dir, c.file);
      await writePartsOnce(input, c.parts);
      const output = join(dir, `${c.file}.out.ndjson`);
      const r = await runCliAsync(['predict', input, '--output', output]);
      expect(r.status, r.stderr).toBe(c.status);
      expect(r.stderr).toMatch(c.message);
      expect(looksClean(r.stderr)).toBe(true);
      expect(r.stdout).toBe('');
      const files = await readdir(dir);
      expect(files.filter((f) => f.startsWith(`.imind-tmp-${c.file}`))).toEqual([]);
      if (c.status === 5) expect(files).not.toContain(`${c.file}.out.ndjson`);
      else {
        const rows = (await readFile(output, 'utf8'))
          .trim()
          .split('\n')
          .map((l) => (JSON.parse(l) as { row: number }).row);
        expect(rows).toEqual(c.scored);
      }
    });
  }

  it('leaves an existing output file as it was when the input turns out malformed', async () => {
    const output = join(dir, 'kept.ndjson');
    await writeFile(output, 'previous run\n');
    const input = join(dir, 'kept-quote.csv');
    await writeFile(input, `${HEADER}${ROW}2024-01-15T10:30:00Z,"M1,65,1.2,45,250\n`);
    const r = runCli(['predict', input, '--output', output]);
    expect(r.status).toBe(5);
    expect(await readFile(output, 'utf8')).toBe('previous run\n');
  });

  it('reports malformed stdin the same way (exit 5, clean message)', () => {
    const r = runCli(['predict', '-', '--output', join(dir, 'stdin.ndjson')], {
      input: Buffer.from([0x7b, 0xff, 0x0a]),
    });
    expect(r.status).toBe(5);
    expect(r.stderr).toMatch(/not valid UTF-8/);
    expect(looksClean(r.stderr)).toBe(true);
  });
});

describe('interrupting imind predict', () => {
  it('on SIGINT mid-run stops cleanly: exit 130, no output file, no temporary file', async () => {
    const out = join(dir, 'interrupted.csv');
    const child = startCli(['predict', '-', '--format', 'ndjson', '--output', out, '-q']);
    child.stdin.on('error', () => undefined);
    child.stdin.write(LINE.repeat(5000));
    // Wait until the run opened its temporary output file, then interrupt it mid-run (stdin stays open).
    for (let i = 0; i < 400 && !(await readdir(dir)).some((f) => f.startsWith('.imind-tmp-interrupted')); i++) {
      await new Promise((r) => setTimeout(r, 25));
    }
    expect((await readdir(dir)).some((f) => f.startsWith('.imind-tmp-interrupted'))).toBe(true);
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.kill('SIGINT');
    const status = await new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    expect(status).toBe(130);
    expect(stderr).toMatch(/interrupted; no output file was written/);
    expect(looksClean(stderr)).toBe(true);
    expect((await readdir(dir)).filter((f) => f.includes('interrupted'))).toEqual([]);
  });
});

const written = new Set<string>();
async function writePartsOnce(path: string, parts: Case['parts']): Promise<void> {
  if (written.has(path)) return;
  written.add(path);
  await writeParts(path, parts);
}
