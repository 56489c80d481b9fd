import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { ExitCode, ImindError, describeError, type ExitCodeValue } from '../errors.js';
import { createPredictionWriter, outputFormatFromPath, type OutputFormat } from '../io/prediction-writer.js';
import { formatFromPath, readBatches } from '../io/read-readings.js';
import { atomicFileSink, stdoutSink, type AtomicFileSink, type Sink } from '../io/sinks.js';
import { Model } from '../model/model.js';
import { scoreStream, type ScoreSummary } from '../model/score-stream.js';
import { RowValidator } from '../schema/row-validator.js';
import { defaultValidationOptions } from '../schema/validation-options.js';
import { Interrupts } from './interrupts.js';
import type { PredictOptions } from './predict.js';
import type { RunHooks } from './predict-report.js';
import { RowErrorReporter } from './row-error-reporter.js';
import { startProgress } from './progress.js';

/** Runs `imind predict`; returns the exit status. */
export async function runPredict(options: PredictOptions, hooks?: RunHooks): Promise<ExitCodeValue> {
  const interrupts = new Interrupts();
  const opened: AtomicFileSink[] = [];
  let model: Model | null = null;
  let source: NodeJS.ReadableStream | null = null;
  try {
    source = await openInput(options.input);
    model = await Model.load(options.model);
    hooks?.onModel(model);
    const validator = new RowValidator(
      model.schema,
      defaultValidationOptions({ clockSkewMs: options.clockSkew * 1000 }),
    );
    const outputFormat = chooseOutputFormat(options);
    let sink: Sink;
    if (options.output) {
      const file = await atomicFileSink(options.output);
      opened.push(file);
      sink = file;
    } else {
      sink = stdoutSink();
    }
    const errorsFile = options.errors ? await atomicFileSink(options.errors) : null;
    if (errorsFile) opened.push(errorsFile);
    const reporter = new RowErrorReporter(errorsFile, options.quiet);
    const writer = createPredictionWriter(
      outputFormat,
      sink,
      model.schema.features.map((f) => f.name),
      {
        inWorker: availableParallelism() > 1,
      },
    );
    const progress = options.quiet ? null : await startProgress();
    let summary: ScoreSummary;
    try {
      const batches = readBatches(source, {
        format: options.format ?? (options.input === '-' ? 'auto' : (formatFromPath(options.input) ?? 'auto')),
        validator,
        batchSize: options.batchSize,
      });
      summary = await scoreStream({
        model,
        batches: hooks ? hooks.tap(batches) : batches,
        writer,
        onErrors: (errors) => reporter.report(errors),
        onProgress:
          progress || hooks
            ? (s) => {
                progress?.update(s);
                hooks?.onSummary(s);
              }
            : undefined,
        signal: interrupts.signal,
        outputClosed: () => sink.closedEarly,
      });
    } finally {
      progress?.stop();
    }
    if (!summary.outputClosedEarly) await writer.close();
    for (const file of opened) await file.commit();
    reporter.finish();
    if (!options.quiet) process.stderr.write(`imind: ${describeSummary(summary)}\n`);
    if (summary.outputClosedEarly) return ExitCode.ok;
    if (options.failOnAnomaly && summary.anomalies > 0) return ExitCode.anomaliesFound;
    if (summary.rowsInvalid > 0) return ExitCode.invalidRows;
    return ExitCode.ok;
  } catch (error) {
    for (const file of opened) await file.abort();
    const interrupted = interrupts.exitCode;
    if (interrupted !== null) {
      process.stderr.write('imind: interrupted; no output file was written\n');
      return interrupted;
    }
    throw error;
  } finally {
    interrupts.dispose();
    // An interrupted or early-stopped read may still hold stdin open: release it so the process can exit.
    (source as { destroy?: () => void } | null)?.destroy?.();
    await model?.dispose();
  }
}

async function openInput(input: string): Promise<NodeJS.ReadableStream> {
  if (input === '-') return process.stdin;
  try {
    const info = await stat(input);
    if (info.isDirectory()) throw new ImindError('input_unreadable', `cannot read ${input}: it is a folder`);
  } catch (error) {
    if (error instanceof ImindError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : describeError(error);
    throw new ImindError('input_unreadable', `cannot read ${input}: ${reason}`);
  }
  return createReadStream(input, { highWaterMark: 256 * 1024 });
}

function chooseOutputFormat(options: PredictOptions): OutputFormat {
  if (options.outputFormat) return options.outputFormat;
  if (options.output) {
    const format = outputFormatFromPath(options.output);
    if (!format)
      throw new ImindError('usage', `cannot tell the output format of ${options.output} from its extension`, {
        hint: 'use .csv, .ndjson or .json, or --output-format',
      });
    return format;
  }
  return process.stdout.isTTY ? 'table' : 'ndjson';
}

function describeSummary(s: ScoreSummary): string {
  const seconds = (s.durationMs / 1000).toFixed(2);
  const rate = s.durationMs > 0 ? Math.round((s.rowsRead / s.durationMs) * 1000) : 0;
  const stopped = s.outputClosedEarly ? ' (output closed early; stopped)' : '';
  return `${s.rowsRead} rows read, ${s.rowsScored} scored, ${s.anomalies} anomalous, ${s.rowsInvalid} invalid in ${seconds} s (${rate} rows/s)${stopped}`;
}
