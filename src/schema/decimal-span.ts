/** Exact powers of ten as doubles (10^0 .. 10^22 are all exactly representable). */
export const POW10: readonly number[] = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));

/** At most this many digits: the integer they form stays below 2^53, so it is exact. */
const MAX_DIGITS = 15;

/**
 * The value of a plain decimal in `text[start, end)` -- an optional sign, digits,
 * an optional point and more digits (`65.5`, `-3`, `.5`, `7.`) -- or NaN for
 * anything else (spaces, an exponent, more than 15 digits, junk), which the
 * caller then parses the general way.
 *
 * The result equals Number(text.slice(start, end)) bit for bit: the digits form
 * an exact integer m < 2^53 and the scale 10^k (k <= 15) is exact, so m / 10^k is
 * one correctly rounded division -- the same double the full parser finds
 * (Clinger's fast path). No substring, no regular expression.
 */
export function parsePlainDecimal(text: string, start: number, end: number): number {
  let i = start;
  let negative = false;
  let c = text.charCodeAt(i);
  if (c === 45 /* - */ || c === 43 /* + */) {
    negative = c === 45;
    c = text.charCodeAt(++i);
  }
  let mantissa = 0;
  let digits = 0;
  while (i < end && c >= 48 && c <= 57) {
    mantissa = mantissa * 10 + (c - 48);
    digits++;
    c = text.charCodeAt(++i);
  }
  let scale = 0;
  if (i < end && c === 46 /* . */) {
    c = text.charCodeAt(++i);
    while (i < end && c >= 48 && c <= 57) {
      mantissa = mantissa * 10 + (c - 48);
      digits++;
      scale++;
      c = text.charCodeAt(++i);
    }
  }
  if (i !== end || digits === 0 || digits > MAX_DIGITS) return Number.NaN;
  const value = scale === 0 ? mantissa : mantissa / POW10[scale]!;
  return negative ? -value : value;
}
