import { randomBytes } from 'node:crypto';
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Writable } from 'node:stream';
import { ImindError, describeError } from '../errors.js';

/** Where a writer's text goes. */
export interface Sink {
  /**
   * Writes text (a string, or UTF-8 bytes the sink may keep until written) and
   * resolves when the sink can take more (after 'drain' when the stream's
   * buffer is full). After the reader has gone it does nothing.
   */
  write(text: string | Uint8Array): Promise<void>;
  /** The reader went away (EPIPE, as under `| head`): stop producing output and end quietly (exit 0). */
  readonly closedEarly: boolean;
}

/** A file written under a temporary name and renamed into place on commit. */
export interface AtomicFileSink extends Sink {
  readonly path: string;
  readonly tempPath: string;
  /** Flushes to disk (fsync) and renames the temporary file onto `path`. */
  commit(): Promise<void>;
  /** Deletes the temporary file; `path` is left as it was. Safe to call more than once, or after commit. */
  abort(): Promise<void>;
}

interface StreamState {
  errored?: Error | null;
  destroyed?: boolean;
}

/** Errors that mean the reading end of the output has gone away. */
function isGone(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED';
}

/**
 * A sink over a writable stream (stdout). An EPIPE ends output silently: the
 * error is caught (never a crash or an error loop) and `closedEarly` turns true.
 */
export class StreamSink implements Sink {
  private gone = false;
  private failure: unknown = null;

  constructor(private readonly stream: Writable) {
    stream.on('error', (error) => this.noteError(error));
  }

  get closedEarly(): boolean {
    this.check();
    return this.gone;
  }

  async write(text: string | Uint8Array): Promise<void> {
    if (this.ended() || text.length === 0) return;
    if (!this.stream.write(text) && !this.ended()) await this.drained();
    this.ended();
  }

  /** Resolves once everything written so far has been handed to the operating system. */
  async flush(): Promise<void> {
    if (this.ended()) return;
    await new Promise<void>((resolve) => this.stream.write('', () => resolve()));
    this.ended();
  }

  private noteError(error: unknown): void {
    if (isGone(error)) this.gone = true;
    else this.failure ??= error;
  }

  /** Picks up an error the stream recorded but has not emitted yet (it emits on the next tick). */
  private check(): void {
    const state = this.stream as StreamState;
    if (state.errored) this.noteError(state.errored);
    else if (state.destroyed) this.gone = true;
  }

  /** True when output has ended quietly; throws when it failed for another reason. */
  private ended(): boolean {
    this.check();
    if (this.failure !== null && !this.gone) {
      throw new ImindError('output_unwritable', `cannot write the output: ${describeError(this.failure)}`);
    }
    return this.gone;
  }

  private drained(): Promise<void> {
    const stream = this.stream;
    return new Promise((resolve) => {
      const done = (): void => {
        stream.off('drain', done);
        stream.off('close', done);
        stream.off('error', done);
        resolve();
      };
      stream.on('drain', done);
      stream.on('close', done);
      stream.on('error', done);
    });
  }
}

/** The sink for stdout; see StreamSink. */
export function stdoutSink(stream: Writable = process.stdout): StreamSink {
  return new StreamSink(stream);
}

/** Collects the text in memory (tests, HTTP responses). */
export class MemorySink implements Sink {
  readonly closedEarly = false;
  private readonly parts: string[] = [];
  /** How many write calls carried text. */
  writes = 0;

  async write(text: string | Uint8Array): Promise<void> {
    if (text.length === 0) return;
    this.parts.push(typeof text === 'string' ? text : Buffer.from(text).toString('utf8'));
    this.writes++;
  }

  text(): string {
    return this.parts.join('');
  }
}

const unwritable = (path: string, error: unknown): ImindError =>
  new ImindError('output_unwritable', `cannot write ${path}: ${describeError(error)}`, {
    hint: 'check that the folder exists and that you may write to it',
  });

/**
 * Opens a temporary file beside `path` (.imind-tmp-<name>-<pid>-<random>), so
 * that a killed run never leaves a partial file under the real name.
 */
export async function atomicFileSink(path: string): Promise<AtomicFileSink> {
  const tempPath = join(dirname(path), `.imind-tmp-${basename(path)}-${process.pid}-${randomBytes(6).toString('hex')}`);
  let handle: FileHandle;
  try {
    handle = await open(tempPath, 'wx', 0o666);
  } catch (error) {
    throw unwritable(path, error);
  }
  return new AtomicFile(path, tempPath, handle);
}

/**
 * Keeps one write in flight: write() resolves as soon as the previous write has
 * finished, so the next batch is formatted while the kernel copies this one (a
 * write error surfaces at the next write or at commit).
 */
class AtomicFile implements AtomicFileSink {
  readonly closedEarly = false;
  private state: 'open' | 'committed' | 'aborted' = 'open';
  private inFlight: Promise<void> = Promise.resolve();

  constructor(
    readonly path: string,
    readonly tempPath: string,
    private readonly handle: FileHandle,
  ) {}

  async write(text: string | Uint8Array): Promise<void> {
    if (this.state !== 'open') throw new Error(`write after ${this.state}`);
    if (text.length === 0) return;
    await this.inFlight;
    const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
    this.inFlight = this.writeAll(bytes);
    this.inFlight.catch(() => undefined); // observed by the next write or commit
  }

  private async writeAll(bytes: Uint8Array): Promise<void> {
    try {
      for (let offset = 0; offset < bytes.length;) {
        const { bytesWritten } = await this.handle.write(bytes, offset, bytes.length - offset);
        offset += bytesWritten;
      }
    } catch (error) {
      throw unwritable(this.path, error);
    }
  }

  async commit(): Promise<void> {
    if (this.state !== 'open') throw new Error(`commit after ${this.state}`);
    try {
      await this.inFlight;
      await this.handle.sync();
      await this.handle.close();
      await rename(this.tempPath, this.path);
    } catch (error) {
      await this.abort();
      throw error instanceof ImindError ? error : unwritable(this.path, error);
    }
    this.state = 'committed';
    await syncFolder(dirname(this.path));
  }

  async abort(): Promise<void> {
    if (this.state !== 'open') return;
    this.state = 'aborted';
    await this.inFlight.catch(() => undefined);
    await this.handle.close().catch(() => undefined);
    await unlink(this.tempPath).catch(() => undefined);
  }
}

/** Makes a rename durable; best effort (not every file system allows fsync on a folder). */
async function syncFolder(folder: string): Promise<void> {
  try {
    const dir = await open(folder, 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  } catch {
    // The file is in place either way.
  }
}
