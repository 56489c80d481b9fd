import { isAscii } from 'node:buffer';
import { TextDecoder } from 'node:util';

const EMPTY = new Uint8Array(0);

/** Decoded text, and whether the bytes after it are not valid UTF-8. */
export interface Decoded {
  text: string;
  invalid: boolean;
}

/**
 * Strict streaming UTF-8 decoding (a leading BOM is dropped). On invalid bytes
 * it still returns the valid text before them, so the parser can name the row
 * that holds the bad bytes.
 *
 * Chunks that are pure ASCII (most data files) skip the decoder: isAscii and a
 * latin1 copy are several times faster than validating decoding, and give the
 * same text. The decoder is made at the first chunk that needs it; made after
 * the start of the input, it must not drop a U+FEFF there (ignoreBOM).
 */
export class Utf8Input {
  private decoder: TextDecoder | null = null;
  /** Bytes of an incomplete character at the end of the input so far (held by the decoder). */
  private tail: Uint8Array = EMPTY;
  private started = false;

  decode(bytes: Uint8Array): Decoded {
    const first = !this.started;
    this.started = true;
    if (this.tail.length === 0 && isAscii(bytes)) {
      return { text: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1'), invalid: false };
    }
    this.decoder ??= new TextDecoder('utf-8', { fatal: true, ignoreBOM: !first });
    try {
      const text = this.decoder.decode(bytes, { stream: true });
      this.tail = incompleteTail(this.tail.length > 0 ? concat(this.tail, bytes) : bytes);
      return { text, invalid: false };
    } catch {
      return { text: validPrefix(this.tail.length > 0 ? concat(this.tail, bytes) : bytes, first), invalid: true };
    }
  }

  end(): Decoded {
    if (this.decoder === null) return { text: '', invalid: false };
    try {
      return { text: this.decoder.decode(), invalid: false };
    } catch {
      return { text: '', invalid: true };
    }
  }
}

/** The text of the longest prefix of `bytes` that is valid UTF-8 (an incomplete last character is left out). */
function validPrefix(bytes: Uint8Array, first: boolean): string {
  const decodes = (length: number): string | null => {
    try {
      return new TextDecoder('utf-8', { fatal: true, ignoreBOM: !first }).decode(bytes.subarray(0, length), {
        stream: true,
      });
    } catch {
      return null;
    }
  };
  // Valid prefixes are closed under shortening, so binary search for the longest.
  let lo = 0;
  let hi = bytes.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (decodes(mid) === null) hi = mid - 1;
    else lo = mid;
  }
  return decodes(lo) ?? '';
}

/** The trailing bytes of a character that is not complete yet (at most 3). */
function incompleteTail(bytes: Uint8Array): Uint8Array {
  const n = bytes.length;
  for (let k = n - 1; k >= 0 && k >= n - 4; k--) {
    const b = bytes[k]!;
    if ((b & 0xc0) === 0x80) continue; // continuation byte: look further back for the lead
    const needed = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return n - k < needed ? bytes.slice(k) : EMPTY;
  }
  return EMPTY;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
