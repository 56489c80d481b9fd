import { Worker } from 'node:worker_threads';
import { ImindError } from '../errors.js';
import { predictionColumns, type Prediction, type PredictionColumns } from '../model/prediction.js';
import type { FormatWorkerSetup, FromFormatWorker, ToFormatWorker } from './format-worker-protocol.js';
import type { PredictionWriter } from './prediction-writer.js';
import type { Sink } from './sinks.js';

/** Batches posted and not written yet; more waits (bounds memory, keeps both threads busy). */
const MAX_IN_FLIGHT = 2;

/** A first batch smaller than this (a small input) is not worth a thread: everything is formatted here. */
export const MIN_WORKER_BATCH = 1024;

/**
 * A prediction writer that formats in a worker thread: the batch's columns go
 * to the worker, its bytes come back and are written to the sink here, in
 * order, one sink write per batch -- the same bytes as the writer itself would
 * write. Formatting is about a third of a row's cost, so on a machine with two
 * cores reading, scoring and formatting then overlap.
 *
 * The worker starts at the first batch, and only when that batch has at least
 * MIN_WORKER_BATCH rows; otherwise the whole run is formatted by `local` (a
 * thread costs ~30 ms to start). Needs the compiled worker (dist/io/format-worker.js).
 */
export class WorkerPredictionWriter implements PredictionWriter {
  private worker: Worker | null = null;
  private useLocal: boolean | null = null;
  private readonly waiting: { resolve: (bytes: Uint8Array) => void; reject: (error: Error) => void }[] = [];
  private readonly results: Promise<Uint8Array>[] = [];
  private readonly idCodes = new Map<string, number>();
  private failure: Error | null = null;

  constructor(
    private readonly sink: Sink,
    private readonly setup: FormatWorkerSetup,
    private readonly local: PredictionWriter,
  ) {}

  async write(batch: readonly Prediction[]): Promise<void> {
    await this.writeColumns(predictionColumns(batch, this.setup.featureNames.length));
  }

  /**
   * Hands the batch to the worker. Its typed arrays move there without a copy
   * (transferred): they are empty here afterwards, so the caller must not read
   * the batch again (the scoring pipeline does not).
   */
  async writeColumns(batch: PredictionColumns): Promise<void> {
    this.useLocal ??= batch.count < MIN_WORKER_BATCH;
    if (this.useLocal) return this.local.writeColumns(batch);
    const codes = new Int32Array(batch.count);
    const newIds: string[] = [];
    for (let i = 0; i < batch.count; i++) {
      const id = batch.machineIds[i]!;
      let code = this.idCodes.get(id);
      if (code === undefined) {
        code = this.idCodes.size;
        this.idCodes.set(id, code);
        newIds.push(id);
      }
      codes[i] = code;
    }
    const { machineIds: _ids, ...columns } = batch;
    this.post({ type: 'batch', columns, idCodes: codes, newIds }, [codes.buffer, ...transferable(columns)]);
    while (this.results.length > MAX_IN_FLIGHT) await this.flushOne();
  }

  async close(): Promise<void> {
    const worker = this.worker;
    if (worker === null) return this.local.close();
    let ended = false;
    try {
      const exited = new Promise((resolve) => worker.once('exit', resolve));
      this.post({ type: 'close' });
      while (this.results.length > 0) await this.flushOne();
      worker.ref(); // keep the process alive until the worker has ended
      await exited; // the worker ends by itself after answering 'close'
      ended = true;
    } finally {
      if (!ended) await worker.terminate();
    }
  }

  private start(): Worker {
    // A small young generation: the worker makes little garbage, and each MB of it is resident memory.
    const worker = new Worker(new URL('./format-worker.js', import.meta.url), {
      workerData: this.setup,
      resourceLimits: { maxYoungGenerationSizeMb: 4 },
    });
    worker.on('message', (message: FromFormatWorker) => this.answer(message));
    worker.on('error', (error) => this.fail(error));
    worker.on('exit', (code) => this.fail(new Error(`the formatting worker stopped (exit ${code})`)));
    // The worker keeps the process alive only while an answer is awaited (post refs it, answer unrefs).
    // After the listeners: adding a 'message' listener refs the worker again.
    worker.unref();
    return worker;
  }

  private post(message: ToFormatWorker, transfer: ArrayBuffer[] = []): void {
    if (this.failure) throw this.failure;
    this.worker ??= this.start();
    const result = new Promise<Uint8Array>((resolve, reject) => {
      this.waiting.push({ resolve, reject });
    });
    result.catch(() => undefined); // awaited in flushOne; a run that stops early never does
    this.results.push(result);
    if (this.waiting.length === 1) this.worker.ref();
    this.worker.postMessage(message, transfer);
  }

  /** Writes the oldest batch's bytes once they are back. */
  private async flushOne(): Promise<void> {
    const bytes = await this.results.shift()!;
    await this.sink.write(bytes);
  }

  private answer(message: FromFormatWorker): void {
    const next = this.waiting.shift();
    if (this.waiting.length === 0) this.worker?.unref();
    if (!next) return;
    if (message.type === 'bytes') next.resolve(new Uint8Array(message.buffer, 0, message.length));
    else next.reject(new ImindError('output_unwritable', `cannot format the output: ${message.message}`));
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const w of this.waiting.splice(0)) w.reject(error);
  }
}

/** The buffers of the batch's typed arrays that can move to the worker: those the array spans whole. */
function transferable(columns: object): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  for (const value of Object.values(columns)) {
    if (!ArrayBuffer.isView(value) || !(value.buffer instanceof ArrayBuffer)) continue;
    if (value.byteOffset === 0 && value.byteLength === value.buffer.byteLength) buffers.add(value.buffer);
  }
  return [...buffers];
}
