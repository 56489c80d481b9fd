import type { RowError } from '../schema/reading.js';
import type { ReadBatch } from '../io/read-readings.js';
import type { PredictionWriter } from '../io/prediction-writer.js';
import { ColumnScorer } from './column-scorer.js';
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
  const scorer = new ColumnScorer(options.model);
  for await (const batch of abortable(options.batches, options.signal)) {
    if (batch.errors.length > 0) {
      summary.rowsInvalid += batch.errors.length;
      await options.onErrors(batch.errors);
    }
    if (batch.columns.count > 0) {
      const predictions = await scorer.score(batch.columns);
      for (let i = 0; i < predictions.count; i++) {
        if (predictions.isAnomaly[i] === 1) {
          const id = predictions.machineIds[i]!;
          summary.anomalies++;
          summary.anomaliesByMachine.set(id, (summary.anomaliesByMachine.get(id) ?? 0) + 1);
        }
      }
      summary.rowsScored += predictions.count;
      await options.writer.writeColumns(predictions);
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

/**
 * Iterates `source`, rejecting as soon as `signal` aborts, even while a read is
 * pending. Each wait listens for the abort only while it lasts: a race against
 * one long-lived "aborted" promise would keep every batch alive (each race
 * leaves a reaction on that promise, holding its result) -- the whole input in
 * memory.
 */
async function* abortable<T>(source: AsyncIterable<T>, signal: AbortSignal | undefined): AsyncGenerator<T> {
  if (!signal) return yield* source;
  const iterator = source[Symbol.asyncIterator]();
  try {
    for (;;) {
      signal.throwIfAborted();
      const next = await untilAborted(iterator.next(), signal);
      if (next.done) return;
      yield next.value;
    }
  } finally {
    if (signal.aborted) void iterator.return?.()?.catch(() => {});
    else await iterator.return?.();
  }
}

/** `promise`, or a rejection with the abort reason as soon as `signal` aborts. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
