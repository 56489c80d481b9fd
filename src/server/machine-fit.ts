import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { FittedModel, TrainingData } from '../detectors/detector.js';
import { fitDetector, type DetectorKind } from '../detectors/fit-detector.js';
import { ImindError, type ErrorCode } from '../errors.js';
import type { FeatureSchema } from '../schema/feature-schema.js';
import type { Reading } from '../schema/reading.js';
import type { FitReply, FitRequest } from './machine-fit-worker.js';

/**
 * Detectors that take seconds to fit (window-autoencoder: ~4 s for 10,000 readings):
 * fitted in a worker thread so the event loop keeps answering. level-shift and PCA fit
 * 100,000 readings in ~0.1 s and run inline.
 */
export const OFF_THREAD_DETECTORS: ReadonlySet<DetectorKind> = new Set(['window-autoencoder', 'autoencoder']);

const WORKER_URL = new URL('./machine-fit-worker.js', import.meta.url);

/** Thrown when a fit was cut short: the server is closing, or nobody waits for it any more. */
export class FitAbortedError extends Error {
  constructor() {
    super('the fit was stopped before it ended');
    this.name = 'FitAbortedError';
  }
}

/** A machine's baseline readings in timestamp order (stable for ties), as `train --per-machine` orders them. */
export function inTimeOrder(readings: readonly Reading[]): Reading[] {
  const order = readings.map((_, i) => i);
  order.sort((a, b) => readings[a]!.timestamp - readings[b]!.timestamp || a - b);
  return order.map((i) => readings[i]!);
}

/** Training data from readings (already in time order); the hash covers timestamps and values. */
export function baselineData(schema: FeatureSchema, readings: readonly Reading[], source: string): TrainingData {
  const width = schema.features.length;
  const values = new Float64Array(readings.length * width);
  const timestamps = new Float64Array(readings.length);
  readings.forEach((r, i) => {
    values.set(r.values, i * width);
    timestamps[i] = r.timestamp;
  });
  const hash = createHash('sha256');
  hash.update(new Uint8Array(timestamps.buffer));
  hash.update(new Uint8Array(values.buffer));
  return { schema, values, rows: readings.length, dataSha256: hash.digest('hex'), files: [source] };
}

/**
 * Fits detectors for the baseline route: the fast ones inline, the slow ones in a
 * worker thread (one at a time, so a burst of fits cannot take every core).
 * Running from the TypeScript sources (tests) there is no compiled worker script
 * and every fit runs inline.
 */
export class MachineFitter {
  private readonly workers = new Set<Worker>();
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(readonly offThread = existsSync(fileURLToPath(WORKER_URL))) {}

  /** Fits; `wanted` is polled during an off-thread fit, which is stopped once it turns false. */
  fit(kind: DetectorKind, data: TrainingData, wanted: () => boolean = () => true): Promise<FittedModel> {
    if (this.closed) return Promise.reject(new FitAbortedError());
    if (!this.offThread || !OFF_THREAD_DETECTORS.has(kind)) {
      try {
        const { onnxBytes, metadata } = fitDetector(kind, data);
        return Promise.resolve({ onnxBytes, metadata });
      } catch (error) {
        return Promise.reject(error);
      }
    }
    const run = this.queue.then(() => this.inWorker({ kind, data }, wanted));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Stops fits in progress (they reject with FitAbortedError). */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.workers].map((w) => w.terminate()));
  }

  private inWorker(request: FitRequest, wanted: () => boolean): Promise<FittedModel> {
    if (this.closed || !wanted()) return Promise.reject(new FitAbortedError());
    return new Promise((resolve, reject) => {
      const worker = new Worker(WORKER_URL, { workerData: request });
      this.workers.add(worker);
      const poll = setInterval(() => {
        if (!wanted()) void worker.terminate();
      }, 250);
      poll.unref();
      let settled = false;
      worker.once('message', (reply: FitReply) => {
        settled = true;
        if (reply.ok) resolve({ onnxBytes: reply.onnxBytes, metadata: reply.metadata });
        else if (reply.code) reject(new ImindError(reply.code as ErrorCode, reply.message));
        else reject(new Error(`fitting in a worker thread failed: ${reply.message}`));
      });
      worker.once('error', (error) => {
        settled = true;
        reject(error);
      });
      worker.once('exit', () => {
        clearInterval(poll);
        this.workers.delete(worker);
        if (!settled) reject(new FitAbortedError());
      });
    });
  }
}
