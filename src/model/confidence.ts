/**
 * Confidence of a decision, in [0, 1]: how far the score lies from the
 * threshold on a ratio scale, |score - threshold| / max(score, threshold).
 *
 * - An anomaly with score twice the threshold has confidence 0.5; ten times, 0.9.
 * - A normal reading with score half the threshold has confidence 0.5; score 0, 1.
 * - At the threshold it is 0. No division by zero: when both are 0 it is 0.
 *
 * (The seed divided by the threshold, which is unbounded and breaks at 0.)
 */
export function confidence(score: number, threshold: number): number {
  const denominator = Math.max(score, threshold);
  if (!(denominator > 0)) return 0;
  const c = Math.abs(score - threshold) / denominator;
  return c > 1 ? 1 : c;
}
