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
