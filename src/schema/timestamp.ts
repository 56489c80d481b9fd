/**
 * ISO-8601 timestamp parsing that accepts every common form, with or without an
 * offset. A timestamp without an offset is UTC (the seed crashed comparing naive
 * and aware datetimes; here there is only one kind: epoch milliseconds).
 *
 * Accepted: date only (2024-01-15), "T" or " " separator, minutes, seconds and
 * fractions (. or ,), offsets Z / ±hh / ±hhmm / ±hh:mm, and the basic format
 * (20240115T103000Z).
 */
const EXTENDED =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;
const BASIC = /^(\d{4})(\d{2})(\d{2})(?:[Tt](\d{2})(\d{2})(?:(\d{2})(?:[.,](\d{1,9}))?)?)?(Z|z|[+-]\d{2}(?:\d{2})?)?$/;

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** Offset in minutes from a zone designator, or NaN when out of range. */
function offsetMinutes(zone: string | undefined): number {
  if (zone === undefined || zone === 'Z' || zone === 'z') return 0;
  const sign = zone[0] === '-' ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
  if (hours > 23 || minutes > 59) return Number.NaN;
  return sign * (hours * 60 + minutes);
}

/** Epoch milliseconds of an ISO-8601 timestamp, or NaN when it is not one. */
export function parseTimestamp(text: string): number {
  if (text.length < 8 || text.length > 40) return Number.NaN;
  const m = EXTENDED.exec(text) ?? BASIC.exec(text);
  if (!m) return Number.NaN;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = m[4] === undefined ? 0 : Number(m[4]);
  const minute = m[5] === undefined ? 0 : Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  const fraction = m[7] === undefined ? 0 : Number(`0.${m[7]}`);
  if (month < 1 || month > 12) return Number.NaN;
  const maxDay = month === 2 && !isLeap(year) ? 28 : (DAYS_IN_MONTH[month - 1] ?? 0);
  if (day < 1 || day > maxDay) return Number.NaN;
  // 24:00:00 is ISO-8601's end of day; a leap second 60 is folded into the next second.
  if (hour > 24 || minute > 59 || second > 60) return Number.NaN;
  if (hour === 24 && (minute !== 0 || second !== 0 || fraction !== 0)) return Number.NaN;
  const offset = offsetMinutes(m[8]);
  if (Number.isNaN(offset)) return Number.NaN;
  const utc = Date.UTC(year, month - 1, day, hour, minute, second) + Math.floor(fraction * 1000);
  return utc - offset * 60_000;
}

/** The canonical UTC form used in every output: 2024-01-15T10:30:00.000Z. */
export function formatTimestamp(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

const HOUR_MS = 3_600_000;

/** The digit at text[i] (0..9), or -1. */
function digitAt(text: string, i: number): number {
  const d = text.charCodeAt(i) - 48;
  return d >= 0 && d <= 9 ? d : -1;
}

function twoDigits(text: string, i: number): number {
  const a = digitAt(text, i);
  const b = digitAt(text, i + 1);
  return a < 0 || b < 0 ? -1 : a * 10 + b;
}

/**
 * parseTimestamp for a span of a larger text (a CSV line), made for files where
 * one timestamp follows another: the common form `YYYY-MM-DD[T ]hh:mm:ss[.fff][Z]`
 * is read digit by digit, and the date part is kept from the previous call when
 * the next timestamp starts with the same 10 characters (Date.UTC runs once per
 * day, not per row). Everything else -- offsets, the basic form, spaces, hour 24,
 * leap seconds, invalid text -- goes to parseTimestamp, so the result always
 * equals parseTimestamp(text.slice(start, end).trim()).
 */
export class TimestampSpanParser {
  private dayText = '';
  private dayMs = Number.NaN;

  private lastText = '';
  private lastValue = Number.NaN;

  parse(text: string, start: number, end: number): number {
    const fast = this.common(text, start, end);
    return Number.isNaN(fast) ? parseTimestamp(text.slice(start, end).trim()) : fast;
  }

  /** parse() of a whole string; the same string as the last call (readings of several machines at one time) is not read again. */
  parseString(text: string): number {
    if (text === this.lastText) return this.lastValue;
    this.lastValue = this.parse(text, 0, text.length);
    this.lastText = text;
    return this.lastValue;
  }

  /** The epoch ms of the common form, or NaN when the text is not in it. */
  private common(text: string, start: number, end: number): number {
    const length = end - start;
    if (length < 19 || length > 30) return Number.NaN;
    const day = this.day(text, start);
    const sep = text.charCodeAt(start + 10);
    if (Number.isNaN(day) || (sep !== 84 && sep !== 116 && sep !== 32) /* T t space */) return Number.NaN;
    if (text.charCodeAt(start + 13) !== 58 || text.charCodeAt(start + 16) !== 58 /* : */) return Number.NaN;
    const hour = twoDigits(text, start + 11);
    const minute = twoDigits(text, start + 14);
    const second = twoDigits(text, start + 17);
    // Hour 24 and second 60 are valid but rare: parseTimestamp handles them.
    if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return Number.NaN;
    let i = start + 19;
    let millis = 0;
    const point = text.charCodeAt(i);
    if (point === 46 || point === 44 /* . , */) {
      let fraction = 0;
      let digits = 0;
      for (let d = digitAt(text, ++i); d >= 0 && i < end; d = digitAt(text, ++i)) {
        fraction = fraction * 10 + d;
        digits++;
      }
      if (digits === 0 || digits > 9) return Number.NaN;
      // The same arithmetic as parseTimestamp: floor(0.fff * 1000) of the correctly rounded fraction.
      millis = Math.floor((fraction / POW10_9[digits]!) * 1000);
    }
    const zone = text.charCodeAt(i);
    if (i < end && (zone === 90 || zone === 122) /* Z z */) i++;
    if (i !== end) return Number.NaN;
    return day + hour * HOUR_MS + minute * 60_000 + second * 1000 + millis;
  }

  /** Epoch ms of the date in text[start, start + 10) (YYYY-MM-DD), or NaN. */
  private day(text: string, start: number): number {
    if (this.dayText.length > 0 && text.startsWith(this.dayText, start)) return this.dayMs;
    if (text.charCodeAt(start + 4) !== 45 || text.charCodeAt(start + 7) !== 45 /* - */) return Number.NaN;
    const century = twoDigits(text, start);
    const years = twoDigits(text, start + 2);
    const month = twoDigits(text, start + 5);
    const day = twoDigits(text, start + 8);
    if (century < 0 || years < 0 || month < 1 || month > 12 || day < 1) return Number.NaN;
    const year = century * 100 + years;
    const maxDay = month === 2 && !isLeap(year) ? 28 : (DAYS_IN_MONTH[month - 1] ?? 0);
    if (day > maxDay) return Number.NaN;
    this.dayText = text.slice(start, start + 10);
    this.dayMs = Date.UTC(year, month - 1, day);
    return this.dayMs;
  }
}

/** 10^0 .. 10^9, exact. */
const POW10_9 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];
