/**
 * Fast number formatting for the prediction writers. String(x) on a double
 * costs ~120 ns (shortest round-trip digits of 64 bits); at a million rows a
 * second and 7 numbers a row that alone would be most of the time budget. The
 * numbers written are not that precise anyway:
 *
 * - scores come out of the ONNX graph as float32: `float32Text` writes the
 *   shortest decimal that reads back as the same float32 (at most 9 significant
 *   digits; no information is lost);
 * - confidence and contributions are bounded shares in [0, 1]: `micros` writes
 *   them with 6 decimals (as toFixed(6)), and `roundShares` rounds a row's
 *   contributions so that the written values still sum to exactly 1.
 */

const POW10: readonly number[] = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));

/** The digits of a decimal: mantissa x 10^(exponent - digits of mantissa + 1), i.e. exponent is the leading digit's. */
export interface Digits {
  mantissa: number;
  exponent: number;
}

/**
 * The shortest decimal that reads back (Number, then Math.fround) as the
 * positive float32 `v` (1e-6 <= v < 1e15): its digits as an integer without
 * trailing zeros, and the decimal exponent of the first digit. Written into
 * `out` (no object per call).
 */
export function shortestFloat32(v: number, out: Digits): void {
  // The decimal exponent of the leading digit: 10^e <= v < 10^(e+1).
  let e = 0;
  if (v >= 1) while (v >= POW10[e + 1]!) e++;
  else while (v < power(e)) e--;
  // k significant digits are enough when rounding to them reads back as v; 9 always are.
  let k = 7;
  if (roundTrips(v, k, e)) while (k > 1 && roundTrips(v, k - 1, e)) k--;
  else while (k < 9 && !roundTrips(v, k, e)) k++;
  let m = scaled(v, k, e) | 0; // at most 10^9: int32 arithmetic
  if (m >= POW10[k]!) {
    // Rounding carried into a new digit (9.9999 -> 10.000).
    m = (m / 10) | 0;
    e++;
  }
  while (m % 10 === 0) m = (m / 10) | 0;
  out.mantissa = m;
  out.exponent = e;
}

const digits: Digits = { mantissa: 0, exponent: 0 };

/**
 * The shortest decimal that reads back (Number, then Math.fround) as the float32
 * `v`; String(v) for a value that is not a float32 or lies outside 1e-6..1e15,
 * where the general path is the clear one. Not for NaN/Infinity.
 */
export function float32Text(v: number): string {
  if (v === 0) return '0';
  if (v < 0) return `-${float32Text(-v)}`;
  if (!isPlainFloat32(v)) return String(v);
  shortestFloat32(v, digits);
  const text = String(digits.mantissa);
  const e = digits.exponent;
  if (e < 0) return LEADING_ZEROS[-e - 1]! + text;
  if (e + 1 >= text.length) return text + '0'.repeat(e + 1 - text.length);
  return `${text.slice(0, e + 1)}.${text.slice(e + 1)}`;
}

/** A positive float32 in the range float32Text writes by itself. */
export function isPlainFloat32(v: number): boolean {
  return v >= 1e-6 && v < 1e15 && Math.fround(v) === v;
}

/** "0.", "0.0", "0.00", ... for numbers below 1. */
const LEADING_ZEROS: readonly string[] = Array.from({ length: 8 }, (_, i) => `0.${'0'.repeat(i)}`);

/** 10^e for -7 <= e <= 22: the double nearest to it. */
function power(e: number): number {
  return e >= 0 ? POW10[e]! : NEGATIVE_POW10[-e]!;
}

const NEGATIVE_POW10: readonly number[] = Array.from({ length: 8 }, (_, i) => Number(`1e-${i}`));

/** v rounded to k significant digits, as an integer (v ~ 10^e). */
function scaled(v: number, k: number, e: number): number {
  const s = k - 1 - e;
  return s >= 0 ? Math.round(v * POW10[s]!) : Math.round(v / POW10[-s]!);
}

function roundTrips(v: number, k: number, e: number): boolean {
  const s = k - 1 - e;
  const m = scaled(v, k, e);
  // m and 10^|s| are exact, so each is one correctly rounded operation: the double that Number() reads.
  return Math.fround(s >= 0 ? m / POW10[s]! : m * POW10[-s]!) === v;
}

const THREE_DIGITS: readonly string[] = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));

/** Millionths (an integer >= 0) with 6 decimals: 527 -> "0.000527", 1e6 -> "1.000000". */
export function microsText(micros: number): string {
  const whole = Math.floor(micros / 1e6);
  const rest = micros - whole * 1e6;
  const high = Math.floor(rest / 1000);
  return `${whole}.${THREE_DIGITS[high]!}${THREE_DIGITS[rest - high * 1000]!}`;
}

/**
 * x in millionths, rounded as x.toFixed(6) rounds, for 0 <= x < 1e9; -1 for
 * other values and for the rare x whose rounding the fast arithmetic cannot
 * decide (those go to toFixed itself).
 */
export function toMicros(x: number): number {
  if (!(x >= 0 && x < 1e9)) return -1;
  const scaledUp = x * 1e6;
  const floor = Math.floor(scaledUp);
  const fraction = scaledUp - floor;
  // Near a tie the product's rounding could decide differently from toFixed's exact decimal rounding.
  if (Math.abs(fraction - 0.5) < 1e-6) return -1;
  return fraction < 0.5 ? floor : floor + 1;
}

/** x.toFixed(6), faster. Not for NaN/Infinity. */
export function decimal6Text(x: number): string {
  const micros = toMicros(x);
  return micros < 0 ? x.toFixed(6) : microsText(micros);
}

/**
 * A row's shares (finite, >= 0, summing to 1 or all 0) in millionths that sum to
 * exactly 1e6: each is rounded down and the missing millionths go to the largest
 * remainders (largest remainder method). Returns false -- and leaves `out` --
 * when the shares are not like that (a non-finite value); the caller then
 * writes them one by one.
 */
export function roundShares(shares: ArrayLike<number>, offset: number, width: number, out: Float64Array): boolean {
  let sum = 0;
  let total = 0;
  for (let c = 0; c < width; c++) {
    const x = shares[offset + c]!;
    if (!(x >= 0 && x <= 1)) return false;
    const floor = Math.floor(x * 1e6);
    out[c] = floor;
    sum += floor;
    total += x;
  }
  if (total === 0) return true;
  if (Math.abs(total - 1) > 1e-9) return false;
  // The shares sum to 1 up to rounding, so at most `width` millionths are missing.
  for (let missing = 1e6 - sum; missing > 0; missing--) {
    let best = -1;
    let bestRemainder = -1;
    for (let c = 0; c < width; c++) {
      const remainder = shares[offset + c]! * 1e6 - out[c]!;
      if (remainder > bestRemainder) {
        best = c;
        bestRemainder = remainder;
      }
    }
    out[best]!++;
  }
  return true;
}
