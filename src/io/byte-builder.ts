/**
 * Output text built as UTF-8 bytes in a growing buffer, for the writers' hot
 * loop. Concatenating a batch into one JS string costs more than formatting it:
 * the string becomes a tree of thousands of pieces that Buffer.from must walk
 * and encode (~0.4 µs a row, measured). Rows are written here with the put*
 * functions of byte-format.ts: `reserve` room for a row, write from `length`,
 * then set `length` after it.
 *
 * `take()` hands out the bytes so far in a buffer of their own (the sink may
 * still hold it while the next batch is built) and starts a new one.
 */
export class ByteBuilder {
  buffer: Buffer;
  length = 0;

  constructor(private initialSize = 64 * 1024) {
    this.buffer = Buffer.allocUnsafe(initialSize);
  }

  /** Makes room for `n` more bytes after `length`. */
  reserve(n: number): void {
    if (this.length + n <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + n));
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }

  /** Appends any text as UTF-8 (for pieces outside the row loop: a header, a bracket). */
  text(text: string): void {
    const bytes = Buffer.from(text, 'utf8');
    this.reserve(bytes.length);
    this.buffer.set(bytes, this.length);
    this.length += bytes.length;
  }

  /** The bytes so far (a buffer of their own); the builder starts empty. */
  take(): Buffer {
    const out = this.buffer.subarray(0, this.length);
    // Start the next one as large as this one grew: a batch like the last then needs no growing.
    this.initialSize = Math.max(this.initialSize, this.buffer.length);
    this.buffer = Buffer.allocUnsafe(this.initialSize);
    this.length = 0;
    return out;
  }
}
