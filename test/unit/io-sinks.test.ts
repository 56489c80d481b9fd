import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ImindError } from '../../src/errors.js';
import { StreamSink, atomicFileSink } from '../../src/io/sinks.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'imind-sink-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('atomicFileSink', () => {
  it('writes to a temporary file beside the target and renames it on commit', async () => {
    const path = join(dir, 'out.csv');
    const sink = await atomicFileSink(path);
    expect(sink.tempPath.startsWith(join(dir, `.imind-tmp-out.csv-${process.pid}-`))).toBe(true);
    await sink.write('a,b\n');
    await sink.write('1,2\n');
    expect(existsSync(path)).toBe(false);
    expect(readFileSync(sink.tempPath, 'utf8')).toBe('a,b\n1,2\n');
    await sink.commit();
    expect(readFileSync(path, 'utf8')).toBe('a,b\n1,2\n');
    expect(readdirSync(dir)).toEqual(['out.csv']);
    await sink.abort(); // after commit: nothing happens
    expect(readFileSync(path, 'utf8')).toBe('a,b\n1,2\n');
  });

  it('leaves no file, and an existing file untouched, on abort', async () => {
    const path = join(dir, 'out.json');
    writeFileSync(path, 'old');
    const sink = await atomicFileSink(path);
    await sink.write('[partial');
    await sink.abort();
    await sink.abort();
    expect(readdirSync(dir)).toEqual(['out.json']);
    expect(readFileSync(path, 'utf8')).toBe('old');
  });

  it('replaces an existing file on commit', async () => {
    const path = join(dir, 'out.ndjson');
    writeFileSync(path, 'old');
    const sink = await atomicFileSink(path);
    await sink.write('new\n');
    await sink.commit();
    expect(readFileSync(path, 'utf8')).toBe('new\n');
  });

  it('fails with output_unwritable for a missing folder', async () => {
    const error = await atomicFileSink(join(dir, 'no', 'such', 'out.csv')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImindError);
    expect((error as ImindError).code).toBe('output_unwritable');
    expect((error as ImindError).message).toMatch(/cannot write .*out\.csv/);
  });

  it('fails with output_unwritable and removes the temporary file when the target is a folder', async () => {
    const path = join(dir, 'taken');
    mkdirSync(join(path, 'inside'), { recursive: true });
    const sink = await atomicFileSink(path);
    await sink.write('x');
    const error = await sink.commit().catch((e: unknown) => e);
    expect((error as ImindError).code).toBe('output_unwritable');
    expect(readdirSync(dir)).toEqual(['taken']);
  });
});

/** A writable whose writes complete only when `release` is called (a slow reader). */
function slowWritable(highWaterMark: number): { stream: Writable; chunks: string[]; release: () => void } {
  const chunks: string[] = [];
  const pending: (() => void)[] = [];
  const stream = new Writable({
    highWaterMark,
    decodeStrings: false,
    write(chunk: string, _encoding, callback) {
      chunks.push(chunk);
      pending.push(() => callback());
    },
  });
  return { stream, chunks, release: () => pending.splice(0).forEach((done) => done()) };
}

describe('StreamSink', () => {
  it('waits for drain when the stream buffer is full', async () => {
    const { stream, chunks, release } = slowWritable(4);
    const sink = new StreamSink(stream);
    let done = false;
    const writing = sink.write('more than four bytes').then(() => (done = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(done).toBe(false);
    release();
    await writing;
    expect(done).toBe(true);
    expect(chunks).toEqual(['more than four bytes']);
  });

  it('turns EPIPE into closedEarly: no throw, later writes dropped', async () => {
    let writes = 0;
    const stream = new Writable({
      write(_chunk, _encoding, callback) {
        writes++;
        callback(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
      },
    });
    const sink = new StreamSink(stream);
    await sink.write('first\n');
    await new Promise((resolve) => setImmediate(resolve));
    expect(sink.closedEarly).toBe(true);
    await sink.write('second\n');
    await sink.flush();
    expect(writes).toBe(1);
  });

  it('reports other write errors as output_unwritable', async () => {
    const stream = new Writable({
      write(_chunk, _encoding, callback) {
        callback(Object.assign(new Error('disk on fire'), { code: 'EIO' }));
      },
    });
    const sink = new StreamSink(stream);
    // The stream records the error during the write: that write or the next one rejects.
    await sink.write('first\n').catch(() => undefined);
    await new Promise((resolve) => setImmediate(resolve));
    const error = await sink.write('second\n').catch((e: unknown) => e);
    expect((error as ImindError).code).toBe('output_unwritable');
    expect(sink.closedEarly).toBe(false);
  });
});
