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
