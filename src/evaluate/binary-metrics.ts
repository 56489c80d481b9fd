/** Pooled confusion counts of binary decisions against labels (1 = anomaly). */
export interface Confusion {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
}

export function emptyConfusion(): Confusion {
  return { tp: 0, fp: 0, fn: 0, tn: 0 };
}

/** Adds the decisions of one run to `into` (arrays of equal length). */
export function addConfusion(
  into: Confusion,
  labels: ArrayLike<number>,
  predicted: ArrayLike<number | boolean>,
): Confusion {
  if (labels.length !== predicted.length)
    throw new Error(`labels (${labels.length}) and predictions (${predicted.length}) differ in length`);
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i] === 1;
    const p = predicted[i] === true || predicted[i] === 1;
    if (y && p) into.tp++;
    else if (!y && p) into.fp++;
    else if (y && !p) into.fn++;
    else into.tn++;
  }
  return into;
}

export interface BinaryScores {
  /** TP / (TP + (FP + FN) / 2), as SKAB computes it; null without any positive label or prediction. */
  f1: number | null;
  /** False alarm rate FP / (FP + TN), a fraction; null without negatives. */
  far: number | null;
  /** Missed alarm rate FN / (FN + TP), a fraction; null without positives. */
  mar: number | null;
}

export function binaryScores(c: Confusion): BinaryScores {
  const ratio = (num: number, den: number): number | null => (den > 0 ? num / den : null);
  return { f1: ratio(c.tp, c.tp + (c.fp + c.fn) / 2), far: ratio(c.fp, c.fp + c.tn), mar: ratio(c.fn, c.fn + c.tp) };
}
