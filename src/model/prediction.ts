/** The result for one reading: the seed's AnomalyPrediction plus row and contributions. */
export interface Prediction {
  /** Source row number (1-based, header excluded) or position in a request batch. */
  row: number;
  /** Epoch milliseconds, UTC. */
  timestamp: number;
  machineId: string;
  isAnomaly: boolean;
  /** Anomaly score (reconstruction error in scaled units); >= 0. */
  score: number;
  threshold: number;
  /** In [0, 1]: how far the score lies from the threshold on a ratio scale (see confidence.ts). */
  confidence: number;
  /** Per-feature shares of the score in schema order, summing to 1 (all 0 when the score is 0). */
  contributions: Float64Array;
  /**
   * Set by windowed or stateful scoring (StreamScorer): 'warming_up' when the machine has
   * fewer readings than the model's window (score 0, never anomalous). Absent for the
   * seed's stateless scoring, where every reading is scored.
   */
  status?: 'scored' | 'warming_up';
  /** True when the reading was older than its machine's newest one (see MachineWindows). */
  outOfOrder?: boolean;
}

/**
 * The predictions of one batch by column: what the file pipeline passes from
 * scoring to the writers (no object per row). Row i's contributions are
 * contributions[i * width .. (i + 1) * width).
 */
export interface PredictionColumns {
  count: number;
  width: number;
  rows: ArrayLike<number>;
  timestamps: ArrayLike<number>;
  machineIds: readonly string[];
  isAnomaly: Uint8Array;
  scores: ArrayLike<number>;
  thresholds: ArrayLike<number>;
  confidence: ArrayLike<number>;
  contributions: ArrayLike<number>;
}

/** Prediction objects as columns (for writers fed with Prediction[]). */
export function predictionColumns(predictions: readonly Prediction[], width: number): PredictionColumns {
  const n = predictions.length;
  const columns = {
    count: n,
    width,
    rows: new Float64Array(n),
    timestamps: new Float64Array(n),
    machineIds: new Array<string>(n),
    isAnomaly: new Uint8Array(n),
    scores: new Float64Array(n),
    thresholds: new Float64Array(n),
    confidence: new Float64Array(n),
    contributions: new Float64Array(n * width).fill(Number.NaN),
  };
  for (let i = 0; i < n; i++) {
    const p = predictions[i]!;
    columns.rows[i] = p.row;
    columns.timestamps[i] = p.timestamp;
    columns.machineIds[i] = p.machineId;
    columns.isAnomaly[i] = p.isAnomaly ? 1 : 0;
    columns.scores[i] = p.score;
    columns.thresholds[i] = p.threshold;
    columns.confidence[i] = p.confidence;
    columns.contributions.set(p.contributions.subarray(0, width), i * width);
  }
  return columns;
}
