import type { AlarmRule } from '../model/model-metadata.js';

/** The seed's rule: a reading is an anomaly when its score exceeds the threshold. */
export const PLAIN_ALARM_RULE: AlarmRule = { ewmaAlpha: 1, k: 1, n: 1 };

export function isPlainRule(rule: AlarmRule | undefined): boolean {
  return rule === undefined || (rule.ewmaAlpha === 1 && rule.k === 1 && rule.n === 1);
}

/**
 * One machine's alarm state: an EWMA of its scores (started at the first score)
 * and its last n decisions "smoothed score > threshold". A reading is an anomaly
 * when at least k of those n decisions (its own included) are positive; before
 * n decisions exist, k of those there are needed.
 */
export class AlarmState {
  private smoothed = Number.NaN;
  private readonly history: Uint8Array;
  private position = 0;
  private positives = 0;

  constructor(
    private readonly rule: AlarmRule,
    private readonly threshold: number,
  ) {
    this.history = new Uint8Array(rule.n);
  }

  next(score: number): { smoothed: number; isAnomaly: boolean } {
    const a = this.rule.ewmaAlpha;
    this.smoothed = Number.isNaN(this.smoothed) ? score : a * score + (1 - a) * this.smoothed;
    const above = this.smoothed > this.threshold ? 1 : 0;
    this.positives += above - this.history[this.position]!;
    this.history[this.position] = above;
    this.position = (this.position + 1) % this.rule.n;
    return { smoothed: this.smoothed, isAnomaly: this.positives >= this.rule.k };
  }
}
