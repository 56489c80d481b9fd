import { ExitCode, ImindError, describeError, type ExitCodeValue } from '../errors.js';
import type { Model } from '../model/model.js';
import type { ScoreSummary } from '../model/score-stream.js';
import { DriftTracker, checkThresholds, driftReferences, type DriftThresholds } from '../monitoring/drift.js';
import { formatDriftTable } from '../monitoring/drift-table.js';
import { tapDrift, type TappableBatch } from '../monitoring/drift-tap.js';
import { pushMetrics, runMetricsText } from '../monitoring/pushgateway.js';
import {
  anomaliesByMachine,
  emptyReport,
  runStatus,
  writeRunReport,
  type RunReport,
} from '../monitoring/run-report.js';
import type { PredictOptions } from './predict.js';

/** What runPredict tells the run report about the run as it goes. */
export interface RunHooks {
  /** The model is loaded. */
  onModel(model: Model): void;
  /** The batches to score, with the drift tap in front when drift is wanted. */
  tap<B extends TappableBatch>(batches: AsyncIterable<B>): AsyncIterable<B>;
  /** After each batch and at the end: the counts so far. */
  onSummary(summary: ScoreSummary): void;
}

/**
 * `imind predict` with --drift, --report FILE and/or --pushgateway URL: runs
 * the prediction, then prints the drift table (stderr), writes the JSON run
 * report (also for a failed run) and pushes the figures. A push that fails is
 * a warning; a report that cannot be written is an error (exit 5).
 */
export async function runWithReport(
  options: PredictOptions,
  run: (hooks: RunHooks | undefined) => Promise<ExitCodeValue>,
): Promise<ExitCodeValue> {
  const thresholds: DriftThresholds = checkThresholds({ warn: options.driftWarnPsi, alert: options.driftAlertPsi });
  if (!options.report && !options.drift && !options.pushgateway) return run(undefined);
  const started = new Date();
  const t0 = performance.now();
  const report: RunReport = emptyReport(options.input, options.output ?? null, started);
  let drift: DriftTracker | null = null;
  let summary: ScoreSummary | null = null;
  const hooks: RunHooks = {
    onModel(model) {
      report.model = {
        path: options.model,
        version: model.version,
        schema: model.schema.name,
        detector: model.metadata.detector.kind,
        threshold: model.threshold,
      };
      drift = new DriftTracker(driftReferences(model.schema.features, model.metadata.distribution), null);
    },
    tap: (batches) => (drift ? tapDrift(batches, drift) : batches),
    onSummary(s) {
      summary = s;
    },
  };
  let exitStatus: ExitCodeValue;
  let thrown: unknown = null;
  try {
    exitStatus = await run(hooks);
  } catch (error) {
    thrown = error;
    exitStatus = error instanceof ImindError ? error.exitCode : ExitCode.internal;
    report.error = describeError(error);
  }
  finish(report, summary, drift, thresholds, exitStatus, t0);
  if (report.status === 'interrupted') report.error ??= 'interrupted';
  if (options.drift && !options.quiet && report.drift) process.stderr.write(`imind: ${formatDriftTable(report.drift)}`);
  if (options.report) {
    try {
      await writeRunReport(options.report, report);
    } catch (error) {
      if (thrown === null && exitStatus !== ExitCode.interrupted && exitStatus !== ExitCode.terminated) {
        thrown = error;
      } else process.stderr.write(`imind: error: ${describeError(error)}\n`);
    }
  }
  if (options.pushgateway) {
    const result = await pushMetrics(
      { url: options.pushgateway, job: options.pushgatewayJob, instance: options.pushgatewayInstance },
      await runMetricsText(report, options.metricsMachineLimit),
    );
    if (!result.ok)
      process.stderr.write(`imind: warning: could not push the run's metrics to ${result.url}: ${result.reason}\n`);
  }
  if (thrown !== null) throw thrown;
  return exitStatus;
}

function finish(
  report: RunReport,
  summary: ScoreSummary | null,
  drift: DriftTracker | null,
  thresholds: DriftThresholds,
  exitStatus: number,
  t0: number,
): void {
  const s = summary as ScoreSummary | null;
  if (s) {
    report.rows = { read: s.rowsRead, scored: s.rowsScored, invalid: s.rowsInvalid, anomalous: s.anomalies };
    report.anomalies_by_machine = anomaliesByMachine(s.anomaliesByMachine);
  }
  report.drift = drift ? (drift as DriftTracker).report(thresholds) : null;
  report.duration_seconds = Math.round(performance.now() - t0) / 1000;
  report.finished_at = new Date(Date.parse(report.started_at) + report.duration_seconds * 1000).toISOString();
  report.exit_status = exitStatus;
  report.status = runStatus(exitStatus);
}
