/**
 * A pre-scan of a JSON body's bytes, before JSON.parse: finds strings longer
 * than the limit (and where they are) and containers nested deeper than the
 * limit, in one pass that allocates nothing for ordinary bodies. It does not
 * validate JSON; JSON.parse does that afterwards.
 */
export interface JsonScanLimits {
  maxDepth: number;
  maxStringChars: number;
}

export type JsonScan =
  /** Within the limits: parse the body as it is. */
  | { kind: 'ok' }
  /** Containers nested deeper than maxDepth were replaced by null without being read: parse `text` instead. */
  | { kind: 'cut'; text: string }
  /** A string (or a field name, `key`) longer than maxStringChars, at `path` (dotted; "" for the body). */
  | { kind: 'long_string'; path: string; key: boolean }
  /** A container deeper than maxDepth never ends: the body is not JSON. */
  | { kind: 'unterminated' };

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const COMMA = 0x2c;
const COLON = 0x3a;

function newScratch(size: number) {
  return {
    isObject: new Uint8Array(size),
    index: new Uint32Array(size),
    keyStart: new Int32Array(size),
    keyEnd: new Int32Array(size),
  };
}
let scratch = newScratch(65);

export function scanJsonLimits(bytes: Uint8Array, limits: JsonScanLimits): JsonScan {
  const { maxDepth, maxStringChars } = limits;
  // Per open container (1-based depth): is it an object, the current array index, the current key's bytes.
  // The scan is synchronous, so one scratch set serves every call.
  if (scratch.isObject.length <= maxDepth) scratch = newScratch(maxDepth + 1);
  const { isObject, index, keyStart, keyEnd } = scratch;
  let expectKey = false;
  let depth = 0;
  let cuts: number[] | null = null; // [start, end, start, end, ...] byte ranges replaced by null
  const n = bytes.length;
  for (let i = 0; i < n; i++) {
    const c = bytes[i]!;
    if (c === QUOTE) {
      const start = i;
      let chars = 0;
      for (i++; i < n; i++) {
        const s = bytes[i]!;
        if (s === QUOTE) break;
        if (s === BACKSLASH) i++;
        // Count characters, not bytes: skip UTF-8 continuation bytes.
        if ((s & 0xc0) !== 0x80) chars++;
      }
      if (chars > maxStringChars) {
        // A field name is reported at its object's path, a value at its own.
        const at = expectKey ? depth - 1 : depth;
        return { kind: 'long_string', path: pathAt(bytes, at, isObject, index, keyStart, keyEnd), key: expectKey };
      }
      if (expectKey) {
        keyStart[depth] = start;
        keyEnd[depth] = i + 1;
        expectKey = false;
      }
    } else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      if (depth === maxDepth) {
        const end = skipContainer(bytes, i);
        if (end < 0) return { kind: 'unterminated' };
        (cuts ??= []).push(i, end);
        i = end - 1;
        continue;
      }
      depth++;
      isObject[depth] = c === OPEN_OBJECT ? 1 : 0;
      index[depth] = 0;
      keyStart[depth] = -1;
      expectKey = c === OPEN_OBJECT;
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) {
      if (depth > 0) depth--;
      expectKey = false;
    } else if (c === COMMA) {
      if (isObject[depth]) expectKey = true;
      else index[depth]!++;
    } else if (c === COLON) {
      expectKey = false;
    }
  }
  if (cuts === null) return { kind: 'ok' };
  return { kind: 'cut', text: withCuts(bytes, cuts) };
}

/** The index just past the container opening at `start`, or -1 when it never closes. */
function skipContainer(bytes: Uint8Array, start: number): number {
  let depth = 0;
  const n = bytes.length;
  for (let i = start; i < n; i++) {
    const c = bytes[i]!;
    if (c === QUOTE) {
      for (i++; i < n && bytes[i] !== QUOTE; i++) if (bytes[i] === BACKSLASH) i++;
    } else if (c === OPEN_ARRAY || c === OPEN_OBJECT) depth++;
    else if ((c === CLOSE_ARRAY || c === CLOSE_OBJECT) && --depth === 0) return i + 1;
  }
  return -1;
}

function withCuts(bytes: Uint8Array, cuts: number[]): string {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  let out = '';
  let from = 0;
  for (let k = 0; k < cuts.length; k += 2) {
    out += `${buffer.toString('utf8', from, cuts[k])}null`;
    from = cuts[k + 1]!;
  }
  return out + buffer.toString('utf8', from);
}

/** The dotted path of the value being read at `depth` (keys decoded as JSON; a key that is not valid JSON shows as ?). */
function pathAt(
  bytes: Uint8Array,
  depth: number,
  isObject: Uint8Array,
  index: Uint32Array,
  keyStart: Int32Array,
  keyEnd: Int32Array,
): string {
  const parts: string[] = [];
  for (let d = 1; d <= depth; d++) {
    if (!isObject[d]) parts.push(String(index[d]));
    else if (keyStart[d]! >= 0) {
      const raw = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8', keyStart[d], keyEnd[d]);
      let key: string;
      try {
        key = JSON.parse(raw) as string;
      } catch {
        key = '?';
      }
      parts.push(key.length > 100 ? `${key.slice(0, 100)}…` : key);
    }
  }
  return parts.join('.');
}
