import { fstatSync, writeSync } from 'node:fs';

/** Most bytes per write(2) when processes share a pipe: a pipe write of at most PIPE_BUF (4096 on Linux) is atomic. */
const SHARED_PIPE_CHUNK_BYTES = 4096;
/** Most bytes per write(2) otherwise (a write(2) to a regular file is atomic whatever its size). */
const CHUNK_BYTES = 64 * 1024;
/** Most bytes held while the reader of stderr does not keep up; later lines are dropped (and counted). */
const MAX_PENDING_BYTES = 4 * 1024 * 1024;

/**
 * A log destination for a busy server: lines are collected and written with
 * one write(2) per 64 KiB of whole lines, at most 100 ms after they were
 * logged, instead of one system call per line. When several processes share
 * the pipe (`shared`: cluster workers) and stderr is not a regular file, a
 * chunk never exceeds 4096 bytes unless a single line does, so their lines
 * never interleave. When stderr is a non-blocking pipe that is full
 * (EAGAIN), lines wait in memory (up to 4 MiB, then they are dropped and the
 * number dropped is logged) and the server never blocks on its log. What is
 * left is written when the process exits.
 *
 * (pino's own asynchronous destination, sonic-boom, measures its whole
 * pending buffer for every line, which costs more than the request itself
 * at high rates.)
 */
export class BufferedLineWriter {
  private lines: string[] = [];
  private bytes = 0;
  /** Bytes that a write could not take yet (EAGAIN or a partial write). */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private dropped = 0;
  private retry: NodeJS.Timeout | null = null;
  private readonly timer: NodeJS.Timeout;
  private readonly onExit = (): void => this.flushSync();
  private readonly chunkBytes: number;
  private readonly shared: boolean;

  constructor(
    private readonly fd: number,
    { flushMs, shared }: { flushMs: number; shared: boolean },
    private readonly write2: (fd: number, buffer: Buffer) => number = writeSync,
  ) {
    this.shared = shared && !isFile(fd);
    this.chunkBytes = this.shared ? SHARED_PIPE_CHUNK_BYTES : CHUNK_BYTES;
    this.timer = setInterval(() => this.flush(), flushMs);
    this.timer.unref();
    process.on('exit', this.onExit);
  }

  write(line: string): void {
    // Exact bytes matter only for the 4096-byte pipe limit; elsewhere characters are close enough.
    const size = this.shared ? Buffer.byteLength(line) : line.length;
    if (this.pendingBytes + this.bytes + size > MAX_PENDING_BYTES) {
      this.dropped++;
      return;
    }
    if (this.bytes + size > this.chunkBytes) this.flush();
    this.lines.push(line);
    this.bytes += size;
  }

  /** Writes what is collected (without blocking: a full pipe keeps it for later). */
  flush(done?: (error?: Error) => void): void {
    if (this.lines.length > 0) {
      const chunk = Buffer.from(this.lines.join(''));
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
      this.lines = [];
      this.bytes = 0;
    }
    this.drain();
    done?.();
  }

  /** At exit: writes everything, retrying a full pipe a few times. */
  flushSync(): void {
    this.flush();
    for (let attempt = 0; attempt < 50 && this.pending.length > 0; attempt++) {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
      this.drain();
    }
  }

  /** Stops the timer and the exit hook (tests). */
  close(): void {
    this.flushSync();
    clearInterval(this.timer);
    if (this.retry) clearTimeout(this.retry);
    process.off('exit', this.onExit);
  }

  private drain(): void {
    while (this.pending.length > 0) {
      const chunk = this.pending[0]!;
      let written: number;
      try {
        written = this.write2(this.fd, chunk);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EAGAIN') {
          this.retry ??= setTimeout(() => {
            this.retry = null;
            this.flush();
          }, 20).unref();
          return;
        }
        // stderr is gone (EPIPE, EBADF): nothing to report the lines to.
        this.pending = [];
        this.pendingBytes = 0;
        return;
      }
      this.pendingBytes -= written;
      if (written < chunk.length) this.pending[0] = chunk.subarray(written);
      else this.pending.shift();
    }
    if (this.dropped > 0) {
      const n = this.dropped;
      this.dropped = 0;
      this.write(
        `${JSON.stringify({ level: 40, time: new Date().toISOString(), pid: process.pid, msg: `${n} log lines were dropped: stderr was not read fast enough` })}\n`,
      );
    }
  }
}

function isFile(fd: number): boolean {
  try {
    return fstatSync(fd).isFile();
  } catch {
    return false;
  }
}
