import type { RowError } from '../schema/reading.js';
import type { ReadBatch } from '../io/read-readings.js';
import type { PredictionWriter } from '../io/prediction-writer.js';
import type { Model } from './model.js';

/** What a scoring run did: every input row is counted once, as scored or invalid. */
export interface ScoreSummary {
  rowsRead: number;
  rowsScored: number;
  rowsInvalid: number;
  anomalies: number;
  anomaliesByMachine: Map<string, number>;
  durationMs: number;
  /** True when the consumer of the output went away (e.g. `| head`): the run stopped early on purpose. */
  outputClosedEarly: boolean;
}

export interface ScoreStreamOptions {
  model: Model;
  batches: AsyncIterable<ReadBatch>;
  writer: PredictionWriter;
  onErrors: (errors: readonly RowError[]) => void | Promise<void>;
  onProgress?: (summary: ScoreSummary) => void;
  signal?: AbortSignal;
  /** Checked after each batch: true stops the run (the output reader is gone). */
  outputClosed?: () => boolean;
}

/**
 * Reads validated batches, scores each with one ONNX call, and writes the
 * predictions in input order. Backpressure: the next batch is read only after
 * the previous one was written.
 */
export async function scoreStream(options: ScoreStreamOptions): Promise<ScoreSummary> {
  const started = performance.now();
  const summary: ScoreSummary = {
    rowsRead: 0,
    rowsScored: 0,
    rowsInvalid: 0,
    anomalies: 0,
    anomaliesByMachine: new Map(),
    durationMs: 0,
    outputClosedEarly: false,
  };
  for await (const batch of abortable(options.batches, options.signal)) {
    if (batch.errors.length > 0) {
      summary.rowsInvalid += batch.errors.length;
      await options.onErrors(batch.errors);
    }
    if (batch.readings.length > 0) {
      const predictions = await options.model.predict(batch.readings);
      for (const p of predictions) {
        if (p.isAnomaly) {
          summary.anomalies++;
          summary.anomaliesByMachine.set(p.machineId, (summary.anomaliesByMachine.get(p.machineId) ?? 0) + 1);
        }
      }
      summary.rowsScored += predictions.length;
      await options.writer.write(predictions);
    }
    summary.rowsRead = summary.rowsScored + summary.rowsInvalid;
    options.onProgress?.(summary);
    if (options.outputClosed?.()) {
      summary.outputClosedEarly = true;
      break;
    }
  }
  summary.durationMs = performance.now() - started;
  return summary;
}

/** Iterates `source`, rejecting as soon as `signal` aborts, even while a read is pending. */
async function* abortable<T>(source: AsyncIterable<T>, signal: AbortSignal | undefined): AsyncGenerator<T> {
  if (!signal) return yield* source;
  const iterator = source[Symbol.asyncIterator]();
  let onAbort: () => void = () => {};
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  aborted.catch(() => {});
  try {
    for (;;) {
      signal.throwIfAborted();
      const next = await Promise.race([iterator.next(), aborted]);
      if (next.done) return;
      yield next.value;
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
    if (signal.aborted) void iterator.return?.()?.catch(() => {});
    else await iterator.return?.();
  }
}
