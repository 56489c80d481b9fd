import { formatTimestamp } from '../schema/timestamp.js';

/** A number at full precision (shortest round-trip form) for CSV; empty when not finite. */
export function csvNumber(value: number): string {
  return Number.isFinite(value) ? String(value) : '';
}

/** A number at full precision for JSON; null when not finite (JSON has no NaN/Infinity). */
export function jsonNumber(value: number): string {
  return Number.isFinite(value) ? String(value) : 'null';
}

/** A number to 4 significant digits, for tables: 0.01235, 1235, 1.235e+21. */
export function significant4(value: number): string {
  return Number.isFinite(value) ? String(Number(value.toPrecision(4))) : String(value);
}

/** A CSV field, quoted (RFC 4180) when it holds a delimiter, quote or line break. */
export function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const TWO_DIGITS = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));
const THREE_DIGITS = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));
const DAY_MS = 86_400_000;

/**
 * formatTimestamp (2024-01-15T10:30:00.000Z) without a Date per call: the date
 * part is kept while timestamps stay within one UTC day, the time part is built
 * from digit tables. Falls back to formatTimestamp outside years 0..9999 and
 * for fractional milliseconds.
 */
export class TimestampFormatter {
  private dayStart = Number.NaN;
  private datePart = '';
  private lastMs = Number.NaN;
  private lastText = '';

  format(epochMs: number): string {
    // Readings of several machines often share a timestamp.
    if (epochMs === this.lastMs) return this.lastText;
    this.lastText = this.text(epochMs);
    this.lastMs = epochMs;
    return this.lastText;
  }

  private text(epochMs: number): string {
    let rel = epochMs - this.dayStart;
    if (!(rel >= 0 && rel < DAY_MS) || !Number.isInteger(epochMs)) {
      const iso = formatTimestamp(epochMs);
      if (iso.length !== 24 || !Number.isInteger(epochMs)) return iso;
      this.dayStart = epochMs - (((epochMs % DAY_MS) + DAY_MS) % DAY_MS);
      this.datePart = iso.slice(0, 11);
      rel = epochMs - this.dayStart;
    }
    const seconds = Math.floor(rel / 1000);
    return (
      this.datePart +
      TWO_DIGITS[Math.floor(seconds / 3600)]! +
      ':' +
      TWO_DIGITS[Math.floor(seconds / 60) % 60]! +
      ':' +
      TWO_DIGITS[seconds % 60]! +
      '.' +
      THREE_DIGITS[rel % 1000]! +
      'Z'
    );
  }
}

/**
 * Remembers the text of the strings seen (machine ids repeat, interleaved, row
 * after row); forgets them all once it holds `limit`, so memory stays bounded.
 */
export class TextCache {
  private readonly texts = new Map<string, string>();

  constructor(
    private readonly render: (value: string) => string,
    private readonly limit = 4096,
  ) {}

  get(value: string): string {
    let text = this.texts.get(value);
    if (text === undefined) {
      if (this.texts.size >= this.limit) this.texts.clear();
      text = this.render(value);
      this.texts.set(value, text);
    }
    return text;
  }
}

/** Remembers the last input and its formatted text (machine ids and thresholds repeat row after row). */
export class LastValueCache<T> {
  private last: T | undefined;
  private text = '';
  private filled = false;

  constructor(private readonly render: (value: T) => string) {}

  get(value: T): string {
    if (!this.filled || value !== this.last) {
      this.text = this.render(value);
      this.last = value;
      this.filled = true;
    }
    return this.text;
  }
}
