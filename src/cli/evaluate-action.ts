import { DETECTOR_KINDS, type DetectorKind, type DetectorOptions } from '../detectors/fit-detector.js';
import type { AlarmRule } from '../model/model-metadata.js';
import { ExitCode, type ExitCodeValue } from '../errors.js';
import {
  evaluationJson,
  markdownTable,
  tableRow,
  textTable,
  writePredictionsCsv,
} from '../evaluate/evaluation-report.js';
import { loadLabelledRuns } from '../evaluate/labelled-runs.js';
import { evaluateRuns, type EvaluationResult } from '../evaluate/skab-protocol.js';
import { loadSchema } from '../schema/load-schema.js';
import type { EvaluateOptions } from './evaluate.js';

export async function runEvaluate(options: EvaluateOptions): Promise<ExitCodeValue> {
  const log = (line: string) => {
    if (!options.quiet) process.stderr.write(`imind: ${line}\n`);
  };
  const schema = await loadSchema(options.schema);
  const { runs, skipped } = await loadLabelledRuns(options.data, schema);
  for (const s of skipped) log(`skipped ${s.file}: ${s.reason}`);
  const invalid = runs.reduce((a, r) => a + r.errors.length, 0);
  for (const r of runs) for (const e of r.errors.slice(0, 3)) log(`${r.file}: row ${e.row}: ${e.message} (skipped)`);
  log(
    `evaluating ${runs.length} labelled runs (protocol ${options.protocol}: fit on the first ${options.fitRows} rows of each)`,
  );

  const detectorOptions = toDetectorOptions(options);
  const kinds: readonly DetectorKind[] = options.allDetectors ? DETECTOR_KINDS : [options.detector];
  const results: EvaluationResult[] = [];
  for (const detector of kinds) {
    // The seed's autoencoder is pointwise: --window applies to the windowed detectors only.
    const { window: _window, ...pointwise } = detectorOptions;
    const result = await evaluateRuns(runs, {
      schema,
      detector,
      detectorOptions: detector === 'autoencoder' && options.allDetectors ? pointwise : detectorOptions,
      fitRows: options.fitRows,
      keepRows: options.predictionsOut !== undefined,
      onRun: (r, done, total) => {
        if (!options.quiet && process.stderr.isTTY)
          process.stderr.write(`\rimind: ${detector}: ${done}/${total} runs${done === total ? '\n' : ''}`);
        else if (r.invalidRows > 0) log(`${r.file}: ${r.invalidRows} invalid rows skipped`);
      },
    });
    results.push(result);
  }
  if (options.predictionsOut) {
    await writePredictionsCsv(options.predictionsOut, results[0]!);
    log(`wrote ${results[0]!.rows} scored rows to ${options.predictionsOut}`);
  }
  const rows = results.map((r) => tableRow(r));
  if (options.json) {
    const objects = results.map((r) =>
      evaluationJson(r, { protocol: options.protocol, fit_rows: options.fitRows, invalid_rows: invalid }),
    );
    process.stdout.write(`${JSON.stringify(objects.length === 1 ? objects[0] : { detectors: objects })}\n`);
  } else if (options.markdown) {
    process.stdout.write(markdownTable(rows));
  } else {
    process.stdout.write(textTable(rows));
  }
  return ExitCode.ok;
}

function toDetectorOptions(o: EvaluateOptions): DetectorOptions {
  const threshold = {
    ...(o.thresholdQuantile !== undefined ? { quantile: o.thresholdQuantile } : {}),
    ...(o.thresholdMargin !== undefined ? { margin: o.thresholdMargin } : {}),
  };
  const alarm: AlarmRule | undefined =
    o.ewmaAlpha !== undefined || o.kOfN !== undefined
      ? { ewmaAlpha: o.ewmaAlpha ?? 1, k: o.kOfN?.[0] ?? 1, n: o.kOfN?.[1] ?? 1 }
      : undefined;
  return {
    ...(o.window !== undefined ? { window: o.window } : {}),
    ...(Object.keys(threshold).length > 0 ? { threshold } : {}),
    ...(alarm ? { alarm } : {}),
    ...(o.seed !== undefined ? { seed: o.seed } : {}),
  };
}
