import type { TrainingData } from '../detectors/detector.js';
import { fitDetector, type DetectorKind, type DetectorOptions } from '../detectors/fit-detector.js';
import type { StreamScorerOptions } from '../detectors/stream-scorer.js';
import { ImindError } from '../errors.js';
import type { FeatureSchema } from '../schema/feature-schema.js';
import { Model } from '../model/model.js';
import { addConfusion, binaryScores, emptyConfusion, type BinaryScores, type Confusion } from './binary-metrics.js';
import type { LabelledRun } from './labelled-runs.js';
import { nabRunCounts, nabScores, type NabProfileName, type NabRunCounts } from './nab-score.js';

/**
 * SKAB's protocol: each run (file) is one machine. Its first `fitRows` data rows
 * are its only fitting data (scaler, model, threshold); every later row is
 * scored, through the same code as `predict` (Model + onnxruntime, per-machine
 * StreamScorer), and compared with its label. Labels of scored rows are never
 * used for fitting. Metrics are pooled over all scored rows of all runs.
 */
export interface ProtocolOptions {
  schema: FeatureSchema;
  detector: DetectorKind;
  detectorOptions?: DetectorOptions;
  /** Overrides of the scorer (threshold, alarm rule). */
  scorer?: StreamScorerOptions;
  fitRows?: number;
  /** NAB detection window to the right of each changepoint. */
  nabWindowMs?: number;
  /** Called after each run (progress). */
  onRun?: (result: RunResult, done: number, total: number) => void;
  /** Keep per-row predictions of scored rows (for --predictions-out). */
  keepRows?: boolean;
}

export const SKAB_FIT_ROWS = 400;
export const SKAB_NAB_WINDOW_MS = 60_000;

export interface ScoredRow {
  /** 0-based data row index in the file. */
  row: number;
  timestamp: number;
  score: number;
  isAnomaly: boolean;
  label: number;
}

export interface RunResult {
  file: string;
  fitRows: number;
  scoredRows: number;
  invalidRows: number;
  confusion: Confusion;
  nab: NabRunCounts;
  fitMs: number;
  scoreMs: number;
  threshold: number;
  rows?: ScoredRow[];
}

export interface EvaluationResult extends BinaryScores {
  detector: DetectorKind;
  nab: Record<NabProfileName, number | null>;
  confusion: Confusion;
  runs: RunResult[];
  /** Scored rows over all runs. */
  rows: number;
  meanFitMs: number;
  meanScoreMs: number;
}

export async function evaluateRuns(runs: readonly LabelledRun[], options: ProtocolOptions): Promise<EvaluationResult> {
  if (runs.length === 0)
    throw new ImindError('input_malformed', 'no labelled runs to evaluate', {
      hint: 'the data folder needs CSV files with an "anomaly" column',
    });
  const results: RunResult[] = [];
  for (const run of runs) {
    const result = await evaluateRun(run, options);
    results.push(result);
    options.onRun?.(result, results.length, runs.length);
  }
  return summarize(options.detector, results);
}

export function summarize(detector: DetectorKind, results: RunResult[]): EvaluationResult {
  const confusion = emptyConfusion();
  for (const r of results) {
    confusion.tp += r.confusion.tp;
    confusion.fp += r.confusion.fp;
    confusion.fn += r.confusion.fn;
    confusion.tn += r.confusion.tn;
  }
  const mean = (f: (r: RunResult) => number) => results.reduce((a, r) => a + f(r), 0) / Math.max(1, results.length);
  return {
    detector,
    ...binaryScores(confusion),
    nab: nabScores(results.map((r) => r.nab)),
    confusion,
    runs: results,
    rows: results.reduce((a, r) => a + r.scoredRows, 0),
    meanFitMs: mean((r) => r.fitMs),
    meanScoreMs: mean((r) => r.scoreMs),
  };
}

const SCORE_BATCH = 4096;

export async function evaluateRun(run: LabelledRun, options: ProtocolOptions): Promise<RunResult> {
  const fitRows = options.fitRows ?? SKAB_FIT_ROWS;
  if (run.readings.length === 0) throw new ImindError('input_malformed', `${run.file} has no valid rows`);
  const width = options.schema.features.length;
  let nFit = 0;
  while (nFit < run.readings.length && run.index[nFit]! < fitRows) nFit++;
  const values = new Float64Array(nFit * width);
  for (let i = 0; i < nFit; i++) values.set(run.readings[i]!.values, i * width);
  const data: TrainingData = { schema: options.schema, values, rows: nFit, dataSha256: run.sha256, files: [run.file] };
  const fitStart = performance.now();
  let fitted;
  try {
    fitted = fitDetector(options.detector, data, options.detectorOptions);
  } catch (error) {
    if (error instanceof ImindError)
      throw new ImindError(error.code, `${run.file}: ${error.message}`, { hint: error.hint });
    throw error;
  }
  const fitMs = performance.now() - fitStart;
  const scoreStart = performance.now();
  const model = await Model.fromParts(fitted, { intraOpThreads: 1 });
  const confusion = emptyConfusion();
  const labels: number[] = [];
  const decisions: boolean[] = [];
  const timestamps: number[] = [];
  const changepoints: number[] = [];
  const rows: ScoredRow[] = [];
  let threshold = model.threshold;
  try {
    const scorer = model.createScorer(options.scorer);
    threshold = scorer.threshold;
    for (let start = 0; start < run.readings.length; start += SCORE_BATCH) {
      const batch = run.readings.slice(start, start + SCORE_BATCH);
      const predictions = await scorer.score(batch);
      predictions.forEach((p, k) => {
        const i = start + k;
        if (run.index[i]! < fitRows) return;
        labels.push(run.labels[i]!);
        decisions.push(p.isAnomaly);
        timestamps.push(p.timestamp);
        changepoints.push(run.changepoints[i]!);
        if (options.keepRows)
          rows.push({
            row: run.index[i]!,
            timestamp: p.timestamp,
            score: p.score,
            isAnomaly: p.isAnomaly,
            label: run.labels[i]!,
          });
      });
    }
  } finally {
    await model.dispose();
  }
  addConfusion(confusion, labels, decisions);
  return {
    file: run.file,
    fitRows: nFit,
    scoredRows: labels.length,
    invalidRows: run.errors.length,
    confusion,
    nab: nabRunCounts(timestamps, changepoints, decisions, options.nabWindowMs ?? SKAB_NAB_WINDOW_MS),
    fitMs,
    scoreMs: performance.now() - scoreStart,
    threshold,
    ...(options.keepRows ? { rows } : {}),
  };
}
